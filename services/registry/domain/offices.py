"""What an office's logo and its head's signature image must be. No I/O.

A letterhead's logo is a PNG, or an SVG drawn with shapes only: no script, event handler, foreign
object or outside reference, so that it is safe wherever it is shown and printed. The head's
signature is a PNG (a scan on a transparent or white ground), printed on the letters he signs."""

from __future__ import annotations

import hashlib
import re

from shared.errors import FieldError

MAX_LOGO_BYTES = 256 * 1024
PNG = b"\x89PNG\r\n\x1a\n"
_SVG_ROOT = re.compile(rb"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<svg[\s>]", re.S)
_SVG_ACTIVE = re.compile(rb"<script|<foreignObject|<!ENTITY|\son[a-z]+\s*=|javascript:|(?:xlink:)?href\s*=\s*[\"'](?!#)",
                         re.I)


class BadLogo(FieldError):
    """A logo that is not a bounded PNG or a plain SVG."""


def check_logo(data: bytes) -> tuple[str, str]:
    """(media type, sha256) of an acceptable logo, or BadLogo naming ``file``."""
    if not data:
        raise BadLogo("file", "is empty")
    if len(data) > MAX_LOGO_BYTES:
        raise BadLogo("file", f"is larger than {MAX_LOGO_BYTES // 1024} KB")
    if data.startswith(PNG):
        media = "image/png"
    elif _SVG_ROOT.match(data[:4096]):
        if _SVG_ACTIVE.search(data):
            raise BadLogo("file", "an SVG logo may hold shapes only (no script, handler or outside reference)")
        media = "image/svg+xml"
    else:
        raise BadLogo("file", "must be a PNG or SVG image")
    return media, hashlib.sha256(data).hexdigest()


def check_signature(data: bytes) -> tuple[str, str]:
    """(media type, sha256) of an acceptable signature image, or BadLogo naming ``file``."""
    if not data.startswith(PNG):
        raise BadLogo("file", "a signature must be a PNG image")
    return check_logo(data)
