"""Reading an office's spreadsheet of ormas: header mapping, value normalisation and a per-row
verdict. No I/O: rows arrive as lists of cells, decisions leave as documents or errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from services.registry.domain import lifecycle
from services.registry.domain.ormas import Details, InvalidOrmas, create, name_key, one_line
from shared import regions, sheets

IMPORT_NAMESPACE = uuid.UUID("b3c1e0c2-45a7-4f0e-9c55-0d7f4a3e2b19")
MAX_ROWS = 50_000

# Headers as offices write them (and as the export writes them), matched after name_key().
HEADERS: dict[str, str] = {}
for field, names in {
    "name": ["nama", "nama ormas", "nama organisasi", "nama ormas lsm", "name"],
    "acronym": ["singkatan", "akronim", "acronym"],
    "kind": ["jenis", "jenis ormas", "jenis organisasi", "kind"],
    "legal_form": ["bentuk", "bentuk hukum", "badan hukum", "status badan hukum", "legal form"],
    "decree_number": ["sk kemenkumham", "nomor sk kemenkumham", "sk ahu", "decree number"],
    "scope": ["ruang lingkup", "lingkup", "scope"],
    "region": ["kode wilayah", "wilayah", "kabupaten kota", "kab kota", "region"],
    "street": ["alamat", "alamat sekretariat", "address"],
    "address_region": ["kode kecamatan", "kecamatan"],
    "email": ["email", "e mail", "surel"],
    "phone": ["telepon", "no telepon", "nomor telepon", "telp", "no hp", "hp", "phone"],
    "whatsapp": ["whatsapp", "wa", "no wa", "nomor whatsapp"],
    "bidang": ["bidang", "bidang kegiatan", "bidang organisasi"],
    "founding_date": ["tanggal berdiri", "tgl berdiri", "berdiri", "founding date"],
    "npwp": ["npwp"],
    "skt_number": ["nomor skt", "no skt", "skt", "skt number"],
    "skt_issued_on": ["tanggal skt", "tgl skt", "tanggal terbit skt", "skt issued on"],
    "skt_valid_until": ["berlaku sampai", "masa berlaku skt", "skt berlaku sampai", "skt valid until"],
}.items():
    for n in names:
        HEADERS[name_key(n)] = field

EXPORT_HEADERS = {"name": "Nama Ormas", "acronym": "Singkatan", "kind": "Jenis", "legal_form": "Bentuk Hukum",
                  "decree_number": "SK Kemenkumham", "scope": "Ruang Lingkup", "region": "Kode Wilayah",
                  "street": "Alamat", "email": "Email", "phone": "Telepon", "whatsapp": "WhatsApp",
                  "bidang": "Bidang", "founding_date": "Tanggal Berdiri", "npwp": "NPWP",
                  "skt_number": "Nomor SKT", "skt_issued_on": "Tanggal SKT", "skt_valid_until": "Berlaku Sampai",
                  "status": "Status"}

KIND_WORDS = {"ormas": "ormas", "organisasi kemasyarakatan": "ormas", "lsm": "lsm",
              "lembaga swadaya masyarakat": "lsm", "okp": "okp", "organisasi kepemudaan": "okp",
              "profesi": "profesi", "organisasi profesi": "profesi", "keagamaan": "keagamaan",
              "organisasi keagamaan": "keagamaan", "asing": "asing", "ormas asing": "asing"}
LEGAL_WORDS = {"perkumpulan": "perkumpulan", "badan hukum perkumpulan": "perkumpulan", "yayasan": "yayasan",
               "badan hukum yayasan": "yayasan", "tidak berbadan hukum": "tidak_berbadan_hukum",
               "tidak_berbadan_hukum": "tidak_berbadan_hukum", "non badan hukum": "tidak_berbadan_hukum",
               "": "tidak_berbadan_hukum"}
SCOPE_WORDS = {"nasional": "nasional", "provinsi": "provinsi", "kabupaten kota": "kabupaten_kota",
               "kabupaten": "kabupaten_kota", "kota": "kabupaten_kota", "kabupaten_kota": "kabupaten_kota",
               "": "kabupaten_kota"}
MONTHS = {m: i + 1 for i, m in enumerate(
    ["januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober",
     "november", "desember"])}
MONTHS.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "agu": 8, "agt": 8, "aug": 8,
               "sep": 9, "okt": 10, "oct": 10, "nov": 11, "des": 12, "dec": 12, "may": 5})


class BadFile(ValueError):
    """The file as a whole cannot be imported (no name column, too many rows …)."""


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int  # 1-based spreadsheet row, header included
    field: str
    message: str


@dataclasses.dataclass
class Plan:
    """What an import will do: documents to insert and the rows that were refused."""

    docs: list[tuple[int, dict[str, Any]]]
    errors: list[RowError]
    columns: dict[str, str]  # header → field
    ignored_columns: list[str]


def map_headers(header: Sequence[Any], custom: Mapping[str, str] | None = None) -> tuple[dict[int, str], list[str]]:
    custom_keys = {name_key(k): v for k, v in (custom or {}).items()}
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for i, cell in enumerate(header):
        key = name_key(str(cell or ""))
        field = custom_keys.get(key) or HEADERS.get(key)
        if field and field not in mapping.values():
            mapping[i] = field
        elif key:
            ignored.append(str(cell))
    if "name" not in mapping.values():
        raise BadFile("no column holds the ormas name (expected a header such as 'Nama Ormas')")
    return mapping, ignored


def parse_date(value: Any, field: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for pattern, order in ((r"^(\d{4})-(\d{1,2})-(\d{1,2})$", "ymd"), (r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$", "dmy")):
        m = re.match(pattern, text)
        if m:
            a, b, c = (int(x) for x in m.groups())
            try:
                return dt.date(a, b, c) if order == "ymd" else dt.date(c, b, a)
            except ValueError:
                raise InvalidOrmas(field, f"{text!r} is not a date") from None
    m = re.match(r"^(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})$", text)
    if m and m.group(2).lower() in MONTHS:
        try:
            return dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
        except ValueError:
            pass
    raise InvalidOrmas(field, f"{text!r} is not a date (use 2018-04-10, 10/04/2018 or 10 April 2018)")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _word(value: Any, words: Mapping[str, str], field: str) -> str:
    key = name_key(_text(value))
    if key in words:
        return words[key]
    raise InvalidOrmas(field, f"{_text(value)!r} is not one of {', '.join(sorted(set(words.values())))}")


def _region(value: Any, default: str | None) -> str:
    text = _text(value)
    if not text:
        if default is None:
            raise InvalidOrmas("region", "is required")
        return default
    if regions.is_valid(text):
        return text
    key = name_key(text)
    for r in regions.regencies():
        if name_key(r.name) == key or name_key(f"{r.kind} {r.name}") == key:
            return r.code
    raise InvalidOrmas("region", f"{text!r} is neither a Kemendagri code nor a regency/city name")


def import_id(region: str, name: str) -> str:
    """An imported ormas's id: the same row imported twice names the same record."""
    return str(uuid.uuid5(IMPORT_NAMESPACE, f"{region}|{name_key(name)}"))


def plan(rows: Sequence[Sequence[Any]], *, office: str, actor: str, now: dt.datetime,
         custom_mapping: Mapping[str, str] | None = None, default_region: str | None = None,
         can_write: Callable[[str], bool] | None = None, may_register: bool = True) -> Plan:
    """Validates every row; returns the documents of the good ones and the errors of the others.

    An import obeys the rules of the API: ``can_write`` says which regions the importing account
    records ormas in (default: the office's region and below), and a row carrying an SKT, which
    records the ormas as registered, needs ``may_register`` (a verifier's, head's or admin's)."""
    if can_write is None:
        def can_write(region: str) -> bool:
            return region == office or region.startswith(office + ".") or office == regions.NATIONAL
    if not rows:
        raise BadFile("the file is empty")
    if sum(1 for r in rows[1:] if r) > MAX_ROWS:
        raise BadFile(f"at most {MAX_ROWS} rows per import")
    mapping, ignored = map_headers(rows[0], custom_mapping)
    docs: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    today = now.date()
    for n, raw in enumerate(rows[1:], start=2):
        cells = {field: sheets.unquote(raw[i]) if i < len(raw) else None for i, field in mapping.items()}
        if not any(_text(v) for v in cells.values()):
            continue  # blank line
        try:
            region = _region(cells.get("region"), default_region)
            if not can_write(region):
                raise InvalidOrmas("region", f"{region} is not a region the importing office records ormas in")
            bidang = [b for b in re.split(r"[;,/]", _text(cells.get("bidang"))) if b.strip()]
            street, sub = _text(cells.get("street")), _text(cells.get("address_region"))
            details = Details(
                name=_text(cells.get("name")), acronym=_text(cells.get("acronym")) or None,
                kind=_word(cells.get("kind") or "ormas", KIND_WORDS, "kind"),
                legal_form=_word(cells.get("legal_form"), LEGAL_WORDS, "legal_form"),
                decree_number=_text(cells.get("decree_number")) or None,
                scope=_word(cells.get("scope"), SCOPE_WORDS, "scope"), region=region, bidang=bidang,
                address={"street": street, "region": sub or region} if (street or sub) else None,
                email=_text(cells.get("email")) or None, phone=_text(cells.get("phone")) or None,
                whatsapp=_text(cells.get("whatsapp")) or None,
                founding_date=parse_date(cells.get("founding_date"), "founding_date"),
                npwp=_text(cells.get("npwp")) or None,
            )
            doc = create(details, ormas_id="", actor=actor, now=now)
            skt_number = _text(cells.get("skt_number"))
            if skt_number:
                if not may_register:
                    raise InvalidOrmas("skt_number", "only a verifier, the head or an admin records an ormas "
                                                     "as registered; import it without its SKT, or ask them")
                if len(skt_number) > 100:
                    raise InvalidOrmas("skt_number", "at most 100 characters")
                one_line("skt_number", skt_number)
                if doc["status"] == "legal_entity":
                    raise InvalidOrmas("skt_number", "a legal entity holds no SKT")
                issued = parse_date(cells.get("skt_issued_on"), "skt_issued_on")
                if issued is None:
                    raise InvalidOrmas("skt_issued_on", "an SKT needs its date of issue")
                if issued > today:
                    raise InvalidOrmas("skt_issued_on", "is in the future")
                until = parse_date(cells.get("skt_valid_until"), "skt_valid_until") or \
                    lifecycle.add_years(issued, lifecycle.SKT_VALID_YEARS)
                if until < issued:
                    raise InvalidOrmas("skt_valid_until", "is before the date of issue")
                doc["skt"] = {"number": skt_number, "issued_on": issued.isoformat(), "valid_until": until.isoformat()}
                doc["status"] = "registered" if until >= today else "expired"
                doc["history"][0]["to"] = doc["status"]
            key = (doc["region"], doc["name_key"])
            if key in seen:
                raise InvalidOrmas("name", f"the same ormas is already on row {seen[key]}")
            seen[key] = n
        except InvalidOrmas as e:
            errors.append(RowError(row=n, field=e.field, message=e.message))
            continue
        doc["_id"] = import_id(doc["region"], doc["name"])
        doc["history"][0]["action"] = "imported"
        docs.append((n, doc))
    return Plan(docs=docs, errors=errors, columns={str(rows[0][i]): f for i, f in mapping.items()},
                ignored_columns=ignored)


def export_row(doc: Mapping[str, Any]) -> dict[str, Any]:
    skt = doc.get("skt") or {}
    address = doc.get("address") or {}
    return {"name": doc["name"], "acronym": doc.get("acronym"), "kind": doc["kind"],
            "legal_form": doc.get("legal_form"), "decree_number": doc.get("decree_number"),
            "scope": doc.get("scope"), "region": doc["region"], "street": address.get("street"),
            "email": doc.get("email"), "phone": doc.get("phone"), "whatsapp": doc.get("whatsapp"),
            "bidang": "; ".join(doc.get("bidang") or []), "founding_date": doc.get("founding_date"),
            "npwp": doc.get("npwp"), "skt_number": skt.get("number"), "skt_issued_on": skt.get("issued_on"),
            "skt_valid_until": skt.get("valid_until"), "status": doc["status"]}
