"""The documents layer: a signed PDF made fast, and what proves it later.

A letter's constant part (letterhead, body, signatory) is the same for every invitee of a
kegiatan, and fpdf2 with embedded font subsets takes ~100 ms to write one page. So the constant
part is rendered once into a :class:`Template`, whose regular font subset also holds the glyphs of
a stated character set (``CHARSET``); each copy's own parts — the addressee's lines, its QR codes
and codes — are drawn over it as a second content stream in one incremental update, which also
carries the office's PAdES signature (``cms``: the CMS signed data for the digest of the signed
byte ranges, as pyHanko's signer makes it). A copy whose text has a character outside the
charset, or does not fit its box, is rendered whole instead (``Template(doc)`` of the full
page, nothing drawn over it) and signed the same way.

Every signed document has a verification code (:func:`code`) printed with a QR code of its public
page, and a record (:func:`record`) kept by notifications: the page shows the record and checks a
document's hash and signature against it. No I/O here."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import io
import re
import zlib
from collections.abc import Callable, Iterable
from typing import Any

import pypdf
import segno
from fpdf import FPDF

# Latin with its diacritics (Latin-1, Extended-A, the transliteration marks of Arabic names) and
# the typographic punctuation names are written with
CHARSET = "".join(map(chr, [*range(0x20, 0x7F), *range(0xA0, 0x180), 0x2BB, 0x2BC, 0x2018, 0x2019, 0x201C,
                            0x201D, 0x2013, 0x2014, 0x2026, 0x2022, 0x1E0C, 0x1E0D, 0x1E24, 0x1E25, 0x1E62,
                            0x1E63, 0x1E6C, 0x1E6D, 0x1E92, 0x1E93]))
SIGNATURE_BYTES = 3072  # room for the CMS signed data (an ECDSA certificate and signature take ~1.2 KB)
CODE = re.compile(r"^[A-Z2-7]{10}$")


def code(secret: bytes, document_id: str) -> str:
    """A document's verification code: ten base32 characters (50 bits) of an HMAC of its id, the
    same on every attempt to send it, and not guessable from another."""
    digest = hmac.new(secret, f"document:{document_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:10]


def spaced(value: str) -> str:
    """ABCDE-FGHIJ, as printed."""
    return f"{value[:5]}-{value[5:]}"


def normal_code(value: str) -> str | None:
    """A code as typed or scanned (lower case, spaces, the dash), or None."""
    v = re.sub(r"[\s-]", "", value or "").upper()
    return v if CODE.match(v) else None


def mask_addressee(value: str, *, titled: bool = True) -> str:
    """The addressee on the public page: its title (``titled``: "Ketua …") and each word's first
    two letters."""
    words = value.split()
    return " ".join(w if (titled and i == 0) or len(w) <= 2 else w[:2] + "*" * min(len(w) - 2, 6)
                    for i, w in enumerate(words))


def record(*, code_: str, kind: str, document_id: str, number: str, dated: str, office_region: str,
           office_name: str, addressee: str, title: str, pdf: bytes, now: dt.datetime,
           titled: bool = True) -> dict[str, Any]:
    """What the verification page shows of a signed document, and the hash it checks."""
    return {"_id": code_, "kind": kind, "document_id": document_id, "number": number, "dated": dated,
            "office_region": office_region, "office_name": office_name,
            "addressee": mask_addressee(addressee, titled=titled),
            "title": title, "sha256": hashlib.sha256(pdf).hexdigest(), "created_at": now}


def record_write(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The upsert of a record: a copy signed again (a retried send) adds its hash, since the first
    may have gone out too."""
    fixed = {k: v for k, v in doc.items() if k not in ("_id", "sha256")}
    return {"_id": doc["_id"]}, {"$setOnInsert": fixed, "$addToSet": {"sha256": doc["sha256"]}}


@dataclasses.dataclass(frozen=True)
class Text:
    """One line of text at (x, baseline y), in mm from the top left, in the template's regular font."""
    x: float
    y: float
    text: str
    size: float = 11.0


@dataclasses.dataclass(frozen=True)
class Qr:
    x: float
    y: float
    size: float
    payload: str


def qr_runs(payload: str) -> tuple[int, list[tuple[int, int, int]]]:
    """A QR code (error level M, mask 0: no mask search) as (modules with the quiet zone, the
    dark runs as (row, first column, length))."""
    matrix = list(segno.make(payload, error="m", mask=0, micro=False).matrix)
    runs = []
    for r, row in enumerate(matrix):
        c, n = 0, len(row)
        while c < n:
            if row[c]:
                e = c
                while e < n and row[e]:
                    e += 1
                runs.append((r, c, e - c))
                c = e
            else:
                c += 1
    return len(matrix) + 8, runs


def draw(doc: FPDF, texts: Iterable[Text], qrs: Iterable[Qr], font: str = "Serif") -> None:
    """Lines and QR codes drawn by fpdf2 on the page itself (the whole-page path)."""
    for t in texts:
        doc.set_font(font, size=t.size)
        doc.text(t.x, t.y, t.text)
    for qr in qrs:
        draw_qr(doc, qr)


def draw_qr(doc: FPDF, qr: Qr) -> None:
    """The QR code drawn by fpdf2 (the whole-page path)."""
    modules, runs = qr_runs(qr.payload)
    cell = qr.size / modules
    for r, c, n in runs:
        doc.rect(qr.x + (c + 4) * cell, qr.y + (r + 4) * cell, n * cell, cell, style="F")


def _utf16(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


class Template:
    """A rendered page (fpdf2, A4, one page) ready to be drawn over and signed."""

    def __init__(self, doc: FPDF, regular: str = "serif", charset: str = CHARSET):
        font = doc.fonts[regular]
        # the charset's glyphs join the embedded subset: each picked before the output writes it
        self.cids = {c: cid for c in charset if (cid := font.subset.pick(ord(c))) is not None}
        self.widths = {c: font.cw[ord(c)] / 1000 for c in self.cids}
        self.font = f"/F{font.i}".encode()
        self.k, self.height = doc.k, doc.h
        self.pdf = bytes(doc.output())
        reader = pypdf.PdfReader(io.BytesIO(self.pdf))
        self.page = reader.pages[0].indirect_reference.idnum
        trailer = reader.trailer
        self.root = trailer.raw_get("/Root").idnum
        self.info = trailer.raw_get("/Info").idnum if "/Info" in trailer else None
        self.size = int(trailer["/Size"])
        first = trailer["/ID"][0] if "/ID" in trailer else None
        self.first_id = bytes(getattr(first, "original_bytes", first) or hashlib.md5(self.pdf).digest())
        self.prev = int(self.pdf[self.pdf.rindex(b"startxref") + 9:].split()[0])
        self.page_dict = self._object(self.page)
        self.root_dict = self._object(self.root)
        contents = re.search(rb"/Contents (\d+ 0 R|\[[^\]]*\])", self.page_dict)
        if contents is None or b"/Annots" in self.page_dict or b"/AcroForm" in self.root_dict:
            raise ValueError("a template page has one content entry, no annotations and no form")
        self.contents = contents

    def _object(self, num: int) -> bytes:
        m = re.search(rb"(?:^|\n)%d 0 obj\s*(<<.*?>>)\s*endobj" % num, self.pdf, re.S)
        if m is None:
            raise ValueError(f"object {num} not found")
        return m.group(1)

    def fits(self, text: str) -> bool:
        return all(c in self.cids for c in text)

    def width(self, text: str, size: float) -> float:
        """In mm."""
        return sum(self.widths.get(c, 0.6) for c in text) * size / self.k

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        """Lines of at most ``width`` mm, broken at spaces (a word longer than a line is cut)."""
        lines: list[str] = []
        line = ""
        for word in text.split():
            candidate = f"{line} {word}" if line else word
            if self.width(candidate, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while self.width(word, size) > width:
                cut = max(1, next(i for i in range(len(word), 0, -1) if self.width(word[:i], size) <= width))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        if line:
            lines.append(line)
        return lines

    def _ops(self, texts: Iterable[Text], qrs: Iterable[Qr]) -> bytes:
        k, h = self.k, self.height
        out = [b"q 0 g 0 G"]
        for t in texts:
            hexed = "".join(f"{self.cids[c]:04X}" for c in t.text).encode()
            out.append(b"BT %s %.2f Tf %.2f %.2f Td <%s> Tj ET" % (self.font, t.size, t.x * k, (h - t.y) * k, hexed))
        for qr in qrs:
            modules, runs = qr_runs(qr.payload)
            cell = qr.size / modules * k
            x0, top = qr.x * k + 4 * cell, (h - qr.y) * k - 4 * cell
            out += [b"%.3f %.3f %.3f %.3f re" % (x0 + c * cell, top - (r + 1) * cell, n * cell, cell) for r, c, n in runs]
            out.append(b"f")
        out.append(b"Q")
        return b"\n".join(out)

    def render(self, texts: Iterable[Text] = (), qrs: Iterable[Qr] = (), *,
               cms: Callable[[bytes], bytes] | None = None, signer_name: str = "", reason: str = "",
               location: str = "", now: dt.datetime | None = None) -> bytes:
        """The page with ``texts`` and ``qrs`` drawn over it, signed when ``cms`` is given: one
        incremental update (the template's bytes stay as they are)."""
        texts, qrs = list(texts), list(qrs)
        for t in texts:
            if not self.fits(t.text):
                raise ValueError(f"outside the template's charset: {t.text!r}")
        objects: dict[int, bytes] = {}
        num = self.size
        page = self.page_dict
        if texts or qrs:
            stream = zlib.compress(self._ops(texts, qrs), 6)
            objects[num] = b"<</Length %d /Filter /FlateDecode>>\nstream\n%s\nendstream" % (len(stream), stream)
            entry = self.contents.group(1)
            existing = entry[1:-1].strip() if entry.startswith(b"[") else entry
            page = page.replace(self.contents.group(0), b"/Contents [%s %d 0 R]" % (existing, num), 1)
            num += 1
        if cms is not None:
            widget, sig = num, num + 1
            num += 2
            page = page[:-2].rstrip() + b"\n/Annots [%d 0 R]\n>>" % widget
            objects[widget] = (b"<</Type /Annot /Subtype /Widget /FT /Sig /T (TandaTanganKantor) /V %d 0 R /F 132 "
                               b"/Rect [0 0 0 0] /P %d 0 R>>" % (sig, self.page))
            when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%S+00'00'").encode()
            objects[sig] = (b"<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "
                            b"/ByteRange [0 ********** ********** **********] /M (" + when + b") /Name "
                            + _utf16(signer_name) + b" /Reason " + _utf16(reason) + b" /Location " + _utf16(location)
                            + b" /Contents <" + b"0" * (2 * SIGNATURE_BYTES) + b">>>")
            objects[self.root] = self.root_dict[:-2].rstrip() + b"\n/AcroForm <</Fields [%d 0 R] /SigFlags 3>>\n>>" % widget
        objects[self.page] = page
        out = bytearray(self.pdf)
        if not out.endswith(b"\n"):
            out += b"\n"
        offsets = {}
        for n in sorted(objects):
            offsets[n] = len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (n, objects[n])
        xref = len(out)
        out += b"xref\n"
        nums = sorted(offsets)
        start = 0
        while start < len(nums):
            end = start
            while end + 1 < len(nums) and nums[end + 1] == nums[end] + 1:
                end += 1
            out += b"%d %d\n" % (nums[start], end - start + 1)
            out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in nums[start:end + 1])
            start = end + 1
        new_id = hashlib.md5(bytes(out)).digest()
        info = b" /Info %d 0 R" % self.info if self.info is not None else b""
        out += (b"trailer\n<</Size %d /Root %d 0 R%s /Prev %d /ID [<%s> <%s>]>>\nstartxref\n%d\n%%%%EOF\n"
                % (num, self.root, info, self.prev, self.first_id.hex().encode(), new_id.hex().encode(), xref))
        if cms is None:
            return bytes(out)
        placeholder = b"/ByteRange [0 ********** ********** **********]"
        at = out.index(placeholder)
        contents = out.index(b"/Contents <", at) + len(b"/Contents ")
        after = contents + 2 * SIGNATURE_BYTES + 2
        out[at:at + len(placeholder)] = b"/ByteRange [0 %10d %10d %10d]" % (contents, after, len(out) - after)
        digest = hashlib.sha256(bytes(out[:contents]) + bytes(out[after:])).digest()
        signed = cms(digest)
        if len(signed) > SIGNATURE_BYTES:
            raise ValueError("the signature is larger than its room")
        out[contents + 1:contents + 1 + 2 * len(signed)] = signed.hex().upper().encode()
        return bytes(out)

