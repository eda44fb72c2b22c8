"""Registry domain rules: plain Python, no I/O."""
