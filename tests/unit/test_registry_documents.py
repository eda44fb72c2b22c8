"""The SKT document checklist and upload checks."""

import pytest

from services.registry.domain import documents as d

PDF = b"%PDF-1.7 ..."


def test_checklists_by_legal_form_and_kind():
    skt = d.required("tidak_berbadan_hukum", "ormas")
    assert "pernyataan_bukan_parpol" in skt and "sk_kemenkumham" not in skt
    assert "rekomendasi_kemenag" in d.required("tidak_berbadan_hukum", "keagamaan")
    assert d.required("perkumpulan", "profesi")[0] == "sk_kemenkumham"


def test_missing_lists_what_is_not_yet_filed():
    record = {"legal_form": "yayasan", "kind": "ormas", "documents": [{"type": "npwp"}, {"type": "sk_kemenkumham"}]}
    assert d.missing(record) == ["akta_pendirian", "sk_pengurus", "surat_domisili"]


def test_the_content_decides_the_type_and_a_digest_names_the_file():
    ctype, digest = d.check_upload(PDF, "application/octet-stream", "npwp")
    assert ctype == "application/pdf" and len(digest) == 64
    assert d.check_upload(PDF, None, "npwp")[1] == digest


@pytest.mark.parametrize("data,ctype,doc_type,field", [
    (PDF, "application/pdf", "paspor", "type"), (b"", None, "npwp", "file"),
    (b"GIF89a", "image/gif", "npwp", "file"), (PDF, "image/jpeg", "npwp", "file"),
    (b"%PDF-" + b"x" * d.MAX_BYTES, "application/pdf", "npwp", "file"),
])
def test_bad_uploads(data, ctype, doc_type, field):
    with pytest.raises(d.BadUpload) as e:
        d.check_upload(data, ctype, doc_type)
    assert e.value.field == field
