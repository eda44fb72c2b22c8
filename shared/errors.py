"""The error every domain raises for bad input: which field, and what is wrong with it. No I/O.

The HTTP layer turns it into a 422 problem+json whose ``errors`` name the field."""

from __future__ import annotations


class FieldError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
