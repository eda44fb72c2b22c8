import pytest

from shared import regions


def test_official_list_has_38_provinces_and_514_regencies_and_cities():
    assert len(regions.provinces()) == 38
    assert len(regions.regencies()) == 514
    assert len(regions.children("35")) == 38  # Jawa Timur's 38 regencies/cities


@pytest.mark.parametrize("code,name,zone", [
    ("35", "Jawa Timur", "WIB"), ("35.75", "Kota Pasuruan", "WIB"), ("33.26", "Kabupaten Pekalongan", "WIB"),
    ("31", "Daerah Khusus Ibukota Jakarta", "WIB"), ("51", "Bali", "WITA"), ("64", "Kalimantan Timur", "WITA"),
    ("73", "Sulawesi Selatan", "WITA"), ("81", "Maluku", "WIT"), ("91", "Papua", "WIT"),
])
def test_known_regions_and_their_zones(code, name, zone):
    r = regions.get(code)
    assert r is not None and r.name == name and r.zone == zone


@pytest.mark.parametrize("code", ["", "99", "35.99", "3575", " 35", "35.", "35.75.01.1001", None, 35])
def test_unknown_or_malformed_codes_are_rejected(code):
    assert regions.get(code) is None


def test_every_province_has_a_zone_and_children():
    for p in regions.provinces():
        assert p.zone in ("WIB", "WITA", "WIT")
        assert regions.children(p.code), p


def test_within_and_prefix_regex_agree():
    import re

    codes = ["35", "35.75", "35.75.01", "35.73", "36", "33.26"]
    for scope in ["", "35", "35.75", "33"]:
        rx = re.compile(regions.prefix_regex(scope))
        for c in codes:
            assert bool(rx.match(c)) == regions.within(scope, c), (scope, c)
    assert regions.within("35", "35.75") and not regions.within("35.75", "35") and not regions.within("35.75", "35.73")
    assert not regions.within("3", "35")
