"""The letters' fonts: Noto Serif for the text and Noto Sans Arabic for names in Arabic script,
from their Python packages (fontpkg-noto-*), so every name prints as written.

The packages ship variable fonts; fpdf2 embeds a static instance best, and one variable file
cannot give both the regular and the bold, so each needed instance is cut once (fontTools'
instancer, about a second) into a cache directory shared by the processes of the machine, written
under a temporary name and renamed, so two workers never read half a file."""

from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
from importlib import metadata
from pathlib import Path

import fontpkg_noto_sans_arabic
import fontpkg_noto_serif
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer


@dataclasses.dataclass(frozen=True)
class LetterFonts:
    regular: Path
    bold: Path
    arabic: Path


def _source(package, name: str) -> Path:
    return Path(package.__file__).parent / "files" / name


def _instance(source: Path, weight: int, target: Path) -> Path:
    if target.exists():
        return target
    font = instancer.instantiateVariableFont(TTFont(source), {"wght": weight, "wdth": 100})
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".ttf")
    os.close(fd)
    font.save(tmp)
    os.replace(tmp, target)
    return target


@functools.cache
def letter_fonts() -> LetterFonts:
    version = "-".join(metadata.version(p) for p in ("fontpkg-noto-serif", "fontpkg-noto-sans-arabic"))
    cache = Path(os.environ.get("KESBANG_FONT_CACHE") or Path(tempfile.gettempdir()) / f"kesbang-fonts-{version}")
    cache.mkdir(parents=True, exist_ok=True)
    serif = _source(fontpkg_noto_serif, "NotoSerif[wdth,wght].ttf")
    return LetterFonts(regular=_instance(serif, 400, cache / "NotoSerif-Regular.ttf"),
                       bold=_instance(serif, 700, cache / "NotoSerif-Bold.ttf"),
                       arabic=_instance(_source(fontpkg_noto_sans_arabic, "NotoSansArabic[wdth,wght].ttf"), 400,
                                        cache / "NotoSansArabic-Regular.ttf"))
