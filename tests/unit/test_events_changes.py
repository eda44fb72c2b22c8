"""The invitations a publish creates: each one carries what notifications needs, and each one
satisfies the contract even though a fan-out checks only its first against the schema."""

import datetime as dt

from services.events import changes
from services.events.domain import participation
from shared.contracts import validate_event

K = {"_id": "k1", "version": 2, "title": "Dialog LSM", "type": "dialog", "theme": None, "region": "35.75",
     "status": "published", "starts_at": dt.datetime(2027, 1, 5, 1, tzinfo=dt.UTC),
     "ends_at": dt.datetime(2027, 1, 5, 8, tzinfo=dt.UTC),
     "venue": {"name": "Kantor Bakesbangpol", "address": "Jl. Pahlawan", "region": "35.75", "zone": "WIB"},
     "organiser": {"name": "Badan Kesatuan Bangsa dan Politik Kota Pasuruan", "region": "35.75", "address": None},
     "seats_per_ormas": 2, "capacity": None, "invited_count": 4, "agenda": [{"title": "Pembukaan", "time": "08.00"}],
     "speakers": [{"name": "Hardi", "position": "Kepala Bakesbangpol"}],
     "guests": [{"id": "g1", "name": "Rudianto", "position": "Sekda", "email": "sekda@pasuruankota.go.id"},
                {"id": "g2", "name": "Kasat Intelkam"}],
     "letter": {"number": "005/1", "nature": "Penting", "attachment": "-", "subject": "Undangan",
                "signatory_name": "Hardi", "signatory_title": "Kepala", "date": "2026-12-20"},
     "fanout": {"run": "r1"}}
COPIES = {
    "o1": {"_id": "o1", "name": "LSM Gempar", "email": "gempar@lsm.id", "phone": "+6281234567890", "whatsapp": "+6281234567890",
           "region": "35.75", "officers": [{"name": "Ayik", "position": "ketua"}]},
    "o2": {"_id": "o2", "name": "LSM Tanpa Kontak", "email": None, "phone": None, "whatsapp": None, "region": "35.75.02",
           "officers": []},
}


def test_every_invitation_of_a_fan_out_satisfies_its_contract_and_carries_what_notifications_needs():
    pairs, missing = changes.new_participants(K, ["o1", "o2", "o3"], COPIES, secret=b"s" * 40,
                                              public_url="https://kesbang.example/", now=dt.datetime(2026, 12, 21, tzinfo=dt.UTC),
                                              actor="op")
    assert missing == ["o3"]  # gone from the copy: reported, not invited
    assert [d["_id"] for d, _ in pairs] == ["k1:o1", "k1:o2", "k1:g-g1", "k1:g-g2"]
    for doc, entry in pairs:
        validate_event(entry["event"])  # the fan-out validated only the first of these
        assert entry["key"] == doc["_id"] and entry["topic"] == "events.participation"
    inv = pairs[0][1]["event"]["data"]["change"]
    assert inv["recipient"]["whatsapp"] == "+6281234567890" and inv["seats"] == 2 and inv["reachable"]
    assert inv["kegiatan"]["venue"]["timezone"] == "Asia/Jakarta" and inv["kegiatan"]["letter"]["date"] == "2026-12-20"
    assert inv["rsvp_url"].startswith("https://kesbang.example/rsvp/k1/")
    token = inv["rsvp_url"].rsplit("/", 1)[1]
    assert participation.verify(b"s" * 40, token, purpose="rsvp", kegiatan_id="k1", now=K["starts_at"]) == "k1:o1"
    assert participation.verify(b"s" * 40, inv["checkin_token"], purpose="checkin", kegiatan_id="k1", now=K["starts_at"]) == "k1:o1"
    assert pairs[1][1]["event"]["data"]["change"]["reachable"] is False
    assert pairs[3][1]["event"]["data"]["change"]["seats"] == 1  # a guest is one person
    # the same invitation built again (a resumed fan-out) has the same event id
    again, _ = changes.new_participants(K, ["o1"], COPIES, secret=b"s" * 40, public_url="https://kesbang.example/",
                                        now=dt.datetime(2026, 12, 22, tzinfo=dt.UTC), actor="op")
    assert again[0][1]["id"] == pairs[0][1]["id"]
