"""Masking of personal data shown in lists, exports and logs. No I/O."""

from __future__ import annotations


def mask_phone(value: str | None) -> str | None:
    """+6281234567890 → +62812****7890 (lists, exports for analysts, logs)."""
    if not value:
        return value
    return value[:6] + "*" * max(0, len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)
