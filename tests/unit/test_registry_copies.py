"""What the other services keep of each ormas, from any registry.ormas event's snapshot."""

import datetime as dt

from services.events.domain.registry_copy import ormas_copy
from services.notifications.domain.contacts import contact_copy
from services.registry.domain import ormas

NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


def _snapshot():
    doc = ormas.create(ormas.Details(name="LSM Peduli Pasuruan", kind="lsm", region="35.75", bidang=["sosial"],
                                     whatsapp="081234567890", email="lsm@example.org"), ormas_id="o1", actor="op", now=NOW)
    doc["officers"] = [{"name": "Budi", "position": "ketua", "nik": "3575010101900001", "phone": "+6281234567890"}]
    return ormas.snapshot(doc)


def test_events_keeps_what_targeting_needs():
    copy = ormas_copy(_snapshot())
    assert copy["bidang"] == ["sosial"] and copy["legal_form"] == "tidak_berbadan_hukum"
    assert copy["status"] == "unregistered" and copy["sanction_level"] is None and "skt_valid_until" in copy


def test_notifications_keeps_every_channel_and_the_chairs_name_but_no_nik():
    copy = contact_copy(_snapshot())
    assert copy["whatsapp"] == "+6281234567890" and copy["email"] == "lsm@example.org"
    assert copy["officers"] == [{"name": "Budi", "position": "ketua"}]
    assert "3575010101900001" not in str(copy)
