"""Events (kegiatan) domain rules: plain Python, no I/O."""
