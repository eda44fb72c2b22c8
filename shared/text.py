"""Text arriving at an API boundary: no control characters, and no line breaks where a value ends
up on one line (an e-mail header, a spreadsheet cell, a letter's title).

Control characters cannot be stored in a worksheet (openpyxl refuses them, so a compiled report
would fail on every retry), and a CR or LF in a subject is a header injection. They are refused
with a 422 naming the field rather than stripped, so what is stored is what the caller sent.

Every request body model derives from :class:`Input`: each string in it, nested lists and
dictionaries included, is checked. A model names the fields that may hold paragraphs in
``multiline``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

# C0 controls but tab, LF and CR; DEL; C1 controls; the Unicode line and paragraph separators
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_BREAK = re.compile(r"[\r\n\t]")


class BadText(ValueError):
    pass


def check(value: str, *, multiline: bool = False) -> str:
    """``value`` unchanged, or BadText saying what is wrong with it."""
    if _CONTROL.search(value):
        raise BadText("must not contain control characters")
    if not multiline and _BREAK.search(value):
        raise BadText("must be one line (no line breaks or tabs)")
    return value


def check_tree(value: Any, *, multiline: bool = False, depth: int = 0) -> Any:
    """Every string in ``value`` (lists, tuples and mappings walked; keys are one line)."""
    if depth > 32:
        raise BadText("is nested too deeply")
    if isinstance(value, str):
        check(value, multiline=multiline)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            if isinstance(k, str):
                check(k)
            check_tree(v, multiline=multiline, depth=depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            check_tree(v, multiline=multiline, depth=depth + 1)
    return value  # nested Input models checked themselves


class Input(BaseModel):
    """A request body: unknown fields refused, every string checked by :func:`check`."""

    model_config = ConfigDict(extra="forbid")
    multiline: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _text(cls, value: Any, info: ValidationInfo) -> Any:
        try:
            return check_tree(value, multiline=info.field_name in cls.multiline)
        except BadText as e:
            raise ValueError(str(e)) from None
