import datetime as dt

from shared import tanggal


def test_indonesian_dates_in_the_venues_zone():
    t = dt.datetime(2018, 4, 10, 1, 0, tzinfo=dt.UTC)  # 08.00 WIB, 09.00 WITA, 10.00 WIT
    assert tanggal.hari_tanggal(t, "WIB") == "Selasa, 10 April 2018"
    assert tanggal.jam(t, "WIB") == "08.00 WIB" and tanggal.jam(t, "WITA") == "09.00 WITA" and tanggal.jam(t, "WIT") == "10.00 WIT"
    assert tanggal.rentang(t, t + dt.timedelta(days=1, hours=8), "WIB") == "Selasa, 10 April 2018 s.d. Rabu, 11 April 2018"
    late = dt.datetime(2022, 12, 21, 16, 30, tzinfo=dt.UTC)  # 23.30 WIB but already Thursday in WIT
    assert tanggal.hari_tanggal(late, "WIB") == "Rabu, 21 Desember 2022"
    assert tanggal.hari_tanggal(late, "WIT") == "Kamis, 22 Desember 2022"
