"""What an office's logo must be: a bounded PNG, or an SVG of shapes only."""

import pytest

from services.registry.domain.offices import MAX_LOGO_BYTES, PNG, BadLogo, check_logo

SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4"/></svg>'


def test_a_png_and_a_plain_svg_are_kept_with_their_type():
    assert check_logo(PNG + b"\x00" * 100)[0] == "image/png"
    media, digest = check_logo(SVG)
    assert media == "image/svg+xml" and len(digest) == 64
    assert check_logo(b'<svg><use href="#a"/></svg>')[0] == "image/svg+xml"  # a reference inside itself


@pytest.mark.parametrize("data", [
    b"", b"GIF89a....", b"<html><svg></svg></html>", PNG + b"\x00" * MAX_LOGO_BYTES,
    b'<svg><script>alert(1)</script></svg>', b'<svg onload="alert(1)"></svg>',
    b'<svg><foreignObject><div/></foreignObject></svg>', b'<svg><image href="https://example.org/x.png"/></svg>',
    b'<svg><a xlink:href="javascript:alert(1)">x</a></svg>', b'<!DOCTYPE svg [<!ENTITY x "y">]><svg/>',
])
def test_anything_else_is_refused_naming_the_file(data):
    with pytest.raises(BadLogo) as e:
        check_logo(data)
    assert e.value.field == "file"
