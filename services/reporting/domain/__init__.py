"""Reporting domain rules: plain Python, no I/O."""
