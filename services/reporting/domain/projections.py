"""How events become reporting figures. No I/O."""

from __future__ import annotations

from typing import Any

from shared import regions

ORMAS_FIELDS = ("name", "kind", "region", "status")
OPTIONAL_FIELDS = ("legal_form", "bidang", "skt_valid_until", "sanction_level", "activity_reported")  # for the breakdowns


def ormas_row(data: dict[str, Any]) -> dict[str, Any]:
    """The reporting copy of one ormas, from a ``registry.ormas.*`` event's data."""
    row = {k: data[k] for k in ORMAS_FIELDS}
    row.update({k: data.get(k) for k in OPTIONAL_FIELDS})
    # the months the trends count in: recorded in the book, and the SKT's issue
    row["recorded_month"] = (data.get("created_at") or "")[:7] or None
    row["skt_issued_month"] = (data.get("skt_issued_on") or "")[:7] or None
    row["province"] = data["region"][:2]
    row["regency"] = ".".join(data["region"].split(".")[:2]) if "." in data["region"] else None
    return row


def child_key(scope: str) -> str:
    """The field that breaks a scope's figures down one level: provinces, then regencies/cities."""
    return "province" if scope == regions.NATIONAL else "regency"


# --- kegiatan, participation, deliveries, aspirations -------------------------------------------

DELIVERY_RANK = {"unreachable": 0, "sent": 1, "failed": 2, "delivered": 3, "read": 4}


def kegiatan_row(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The reporting copy of one kegiatan from any ``events.kegiatan.*`` event; the month is the
    start's, in the venue's zone."""
    from shared import tanggal

    start = _time(data["starts_at"])
    row = {"type": data["type"], "title": data["title"], "region": data["region"], "status": data["status"],
           "starts_at": start, "month": tanggal.local(start, data["venue"]["zone"]).strftime("%Y-%m"),
           "ends_at": _time(data["ends_at"]), "zone": data["venue"]["zone"], "venue_name": data["venue"]["name"],
           "venue_region": data["venue"]["region"], "invited": data.get("invited", 0),
           "province": data["region"][:2], "regency": ".".join(data["region"].split(".")[:2]) if "." in data["region"] else None}
    if name == "completed":
        c = data["change"]
        row.update(attending=c["attending"], declined=c["declined"], checked_in=c["checked_in"],
                   walk_ins=c["walk_ins"], people_present=c["people_present"])
    return row


def participation_fields(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """What one ``events.participation.*`` event sets on the participant's reporting row."""
    base = {"kegiatan_id": data["kegiatan_id"], "ormas_id": data.get("ormas_id"), "kind": data["kind"],
            "region": data["kegiatan_region"], "kegiatan_type": data["kegiatan_type"],
            "month": data["starts_at"][:7]}
    if name == "invited":
        return {**base, "invited": True}
    if name == "responded":  # on the waiting list: no seat, not counted as attending
        return {**base, "attending": None if data["change"].get("waitlisted") else data["change"]["attending"]}
    return {**base, "checked_in": True, f"days.{data['change']['day']}": data["change"]["people"]}


def merged(old: dict[str, Any] | None, fields: dict[str, Any]) -> dict[str, Any]:
    """A row after ``{"$set": fields}`` on ``old`` (dotted fields set inside their sub-document)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in (old or {}).items()}
    for key, value in fields.items():
        target = out
        *path, last = key.split(".")
        for part in path:
            target = target.setdefault(part, {})
        target[last] = value
    return out


def _time(value: str):
    import datetime as dt

    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- counters: the ormas figures of every scope, kept as they change ---------------------------

COUNTED = ("status", "kind", "legal_form", "sanction_level")
SKT_STATUSES = ("registered", "expiring", "expired")


def scopes_of(region: str) -> list[str]:
    """The national scope, the province and the regency/city an ormas counts in."""
    parts = region.split(".")
    out = ["", parts[0]]
    if len(parts) >= 2:
        out.append(".".join(parts[:2]))
    return out


FACETS = ("kind", "bidang")  # the dashboard's filters, each counted as scopes of their own


def facet_scope(scope: str, dim: str, value: str) -> str:
    """The scope of the ormas of one kind or bidang within ``scope`` (``35~bidang:sosial``): its
    figures are counted as a scope's are, so a filtered dashboard reads one document too."""
    return f"{scope_doc_id(scope)}~{dim}:{value.replace('|', '¦')}"


def day_scope(scope: str, month: str) -> str:
    """Where a scope counts the SKTs ending on each day of ``month`` (``35@2027-01``). The scope's
    own document counts them by month: a dashboard reads it and the day documents of two months
    (this one and the one 90 days on), not a field for every day of the coming years — FerretDB
    spends its time per field, 40 ms on a province's 2,700 days."""
    return f"{scope_doc_id(scope)}@{month}"


def counter_keys(row: dict[str, Any] | None) -> list[str]:
    """Every counter one ormas row adds 1 to: ``<scope>|<dimension>|<value>`` per scope it is in,
    and again per facet of those scopes (its kind, each of its bidang)."""
    if not row:
        return []
    facets = ([("kind", row["kind"])] if row.get("kind") else []) + \
        [("bidang", b) for b in sorted(set(row.get("bidang") or []))]
    keys = []
    for scope in scopes_of(row["region"]):
        child = row.get("province") if scope == "" else (row.get("regency") if len(scope.split(".")) == 1 else None)
        for counted_in in (scope, *(facet_scope(scope, d, v) for d, v in facets)):
            keys.append(f"{counted_in}|total|-")
            for dim in COUNTED:
                if row.get(dim):
                    keys.append(f"{counted_in}|{dim}|{row[dim]}")
            for b in sorted(set(row.get("bidang") or [])):
                keys.append(f"{counted_in}|bidang|{b}")
            if child:
                keys.append(f"{counted_in}|child|{child}")
            if row.get("status") in SKT_STATUSES and row.get("skt_valid_until"):
                until = row["skt_valid_until"]
                keys.append(f"{counted_in}|skt_month|{until[:7]}")
                keys.append(f"{day_scope(counted_in, until[:7])}|skt_day|{until[8:10]}")
            if row.get("recorded_month"):
                keys.append(f"{counted_in}|recorded|{row['recorded_month']}")
            if row.get("skt_issued_month"):
                keys.append(f"{counted_in}|skt_issued|{row['skt_issued_month']}")
    return keys


TREND_MONTHS_BACK, TREND_MONTHS_AHEAD = 24, 12


def months_from(month: str, count: int) -> list[str]:
    """``count`` months starting at ``month`` (YYYY-MM)."""
    y, m = int(month[:4]), int(month[5:7])
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def trends(recorded: dict[str, int], issued: dict[str, int], until_days: dict[str, int], today: str) -> dict[str, Any]:
    """The monthly series of the ormas dashboard: ormas recorded and SKTs issued over the last 24
    months (this one included), and valid SKTs ending in each of the next 12 months."""
    y, m = int(today[:4]), int(today[5:7])
    start = (y * 12 + m - 1) - (TREND_MONTHS_BACK - 1)
    back = months_from(f"{start // 12:04d}-{start % 12 + 1:02d}", TREND_MONTHS_BACK)
    ahead = months_from(today[:7], TREND_MONTHS_AHEAD)
    ending: dict[str, int] = {}
    for day, n in until_days.items():
        if day >= today and day[:7] in ahead:
            ending[day[:7]] = ending.get(day[:7], 0) + n
    return {"recorded_by_month": {mo: recorded.get(mo, 0) for mo in back},
            "skt_issued_by_month": {mo: issued.get(mo, 0) for mo in back},
            "skt_ending_by_month": {mo: ending.get(mo, 0) for mo in ahead}}


def counter_deltas(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, int]:
    """What changes when a row goes from ``old`` to ``new``: +1 for keys it enters, -1 for keys it leaves."""
    deltas: dict[str, int] = {}
    for k in counter_keys(old):
        deltas[k] = deltas.get(k, 0) - 1
    for k in counter_keys(new):
        deltas[k] = deltas.get(k, 0) + 1
    return {k: d for k, d in deltas.items() if d}


def figures_from_counters(scope: str, counters: dict[str, int], today: str, soon: str,
                          days: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    """The ormas figures of a scope from its counters (``dimension|value`` → n) and the SKTs ending
    on each day of the months of ``today`` and ``soon`` (``days``: month → {"DD": n})."""
    by: dict[str, dict[str, int]] = {}
    for key, n in counters.items():
        dim, _, value = key.partition("|")
        if n:
            by.setdefault(dim, {})[value] = n
    months = by.get("skt_month", {})
    # the day counts of the two boundary months, the month counts in between and around them
    until = {f"{m}-{d}": n for m in {today[:7], soon[:7]} for d, n in ((days or {}).get(m) or {}).items() if n}
    until.update({f"{m}-01": n for m, n in months.items() if m not in (today[:7], soon[:7])})
    expiring = sum(n for d, n in until.items() if today <= d <= soon)
    expired = sum(n for d, n in until.items() if d < today)
    return {"total": by.get("total", {}).get("-", 0), "by_status": by.get("status", {}), "by_child": by.get("child", {}),
            "by_kind": by.get("kind", {}), "by_legal_form": by.get("legal_form", {}),
            "by_bidang": dict(sorted(by.get("bidang", {}).items())), "sanctions": by.get("sanction_level", {}),
            "skt_expiring_90_days": expiring, "skt_expired": expired,
            **trends(by.get("recorded", {}), by.get("skt_issued", {}), until, today)}


def encode_field(value: str) -> str:
    """A counter value as a MongoDB field name (no "." and no leading "$")."""
    return value.replace(".", "\u2024").replace("$", "\uff04")


def decode_field(name: str) -> str:
    return name.replace("\u2024", ".").replace("\uff04", "$")


def by_scope(deltas: dict[str, int]) -> dict[str, dict[str, int]]:
    """Deltas grouped into one ``$inc`` per scope document: ``{scope: {"dim.value": d}}``."""
    out: dict[str, dict[str, int]] = {}
    for key, d in deltas.items():
        scope, dim, value = key.split("|", 2)
        out.setdefault(scope, {})[f"{dim}.{encode_field(value)}"] = d
    return out


def scope_doc_id(scope: str) -> str:
    return scope or "nasional"


def counters_of(doc: dict[str, Any] | None) -> dict[str, int]:
    """A scope document back into ``dim|value`` → n."""
    out: dict[str, int] = {}
    for dim, values in (doc or {}).items():
        if dim == "_id" or not isinstance(values, dict):
            continue
        for name, n in values.items():
            out[f"{dim}|{decode_field(name)}"] = n
    return out


# --- kegiatan counters: per scope and month of the kegiatan ------------------------------------

def _kegiatan_scopes(krow: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(scope, child in that scope) for the nation, the province and the regency of a kegiatan."""
    region = krow["region"]
    parts = region.split(".")
    province = parts[0]
    regency = ".".join(parts[:2]) if len(parts) >= 2 else None
    out = [("", province), (province, regency)]
    if regency:
        out.append((regency, None))
    return out


def kegiatan_counter_keys(kind: str, row: dict[str, Any] | None, krow: dict[str, Any] | None) -> list[str]:
    """``<scope>|<month>|<dimension>|<value>`` keys one row adds 1 to, attributed to its kegiatan's
    scope and month: a kegiatan itself, a participant, a delivered message or an aspiration."""
    if not row or not krow or not krow.get("region") or not krow.get("month"):
        return []
    if kind == "kegiatan":
        values = [("kegiatan", "-"), ("type", row.get("type")), ("status", row.get("status"))]
    elif kind == "participation":
        if row.get("kind") == "walk_in":
            return []
        values = [("p", "invited") if row.get("invited") else None,
                  ("p", "attending") if row.get("attending") is True else None,
                  ("p", "declined") if row.get("attending") is False else None,
                  ("p", "checked_in") if row.get("checked_in") else None]
    elif kind == "delivery":
        values = [("delivery", f"{row['channel']}/{row['status']}")]
    else:
        values = [("aspiration", row.get("status"))]
    keys = []
    for scope, child in _kegiatan_scopes(krow):
        prefix = f"{scope}|{krow['month']}"
        keys += [f"{prefix}|{d}|{v}" for d, v in (x for x in values if x) if v]
        if kind == "kegiatan" and child:
            keys.append(f"{prefix}|child|{child}")
    return keys


def kegiatan_deltas(kind: str, old, new, krow) -> dict[str, int]:
    deltas: dict[str, int] = {}
    for k in kegiatan_counter_keys(kind, old, krow if kind != "kegiatan" else old):
        deltas[k] = deltas.get(k, 0) - 1
    for k in kegiatan_counter_keys(kind, new, krow if kind != "kegiatan" else new):
        deltas[k] = deltas.get(k, 0) + 1
    return {k: d for k, d in deltas.items() if d}


def by_scope_month(deltas: dict[str, int]) -> dict[str, dict[str, int]]:
    """``{"<scope doc>|<month>": {"dim.value": d}}`` — one $inc per scope and month."""
    out: dict[str, dict[str, int]] = {}
    for key, d in deltas.items():
        scope, month, dim, value = key.split("|", 3)
        out.setdefault(f"{scope_doc_id(scope)}|{month}", {})[f"{dim}.{encode_field(value)}"] = d
    return out


def kegiatan_figures_from_counters(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums the month documents of a scope into the figures of ``/stats/kegiatan``."""
    total = 0
    by: dict[str, dict[str, int]] = {"type": {}, "status": {}, "child": {}, "p": {}, "delivery": {}, "aspiration": {}}
    by_month: dict[str, int] = {}
    for doc in docs:
        month = doc["_id"].rsplit("|", 1)[1]
        for key, n in counters_of(doc).items():
            dim, value = key.split("|", 1)
            if dim == "kegiatan":
                total += n
                by_month[month] = by_month.get(month, 0) + n
            elif dim in by:
                by[dim][value] = by[dim].get(value, 0) + n
    clean = {d: {k: n for k, n in sorted(v.items()) if n} for d, v in by.items()}
    p = clean["p"]
    invited, attending, declined, checked = (p.get(k, 0) for k in ("invited", "attending", "declined", "checked_in"))
    deliveries: dict[str, dict[str, int]] = {}
    for key, n in clean["delivery"].items():
        channel, status = key.split("/", 1)
        deliveries.setdefault(channel, {})[status] = n
    return {"kegiatan": {"total": total, "by_type": clean["type"], "by_month": {m: n for m, n in sorted(by_month.items()) if n},
                         "by_status": clean["status"], "by_child": clean["child"]},
            "participation": {"invited": invited, "attending": attending, "declined": declined, "checked_in": checked,
                              "rsvp_rate": round((attending + declined) / invited, 3) if invited else None,
                              "attendance_rate": round(checked / invited, 3) if invited else None},
            "deliveries": deliveries,
            "aspirations": {"total": sum(clean["aspiration"].values()), "by_status": clean["aspiration"]}}


def activity_compliance(rows: list[dict[str, Any]], scope: str, period: str) -> dict[str, Any]:
    """Of the ormas expected to report (registered, or legal entities), how many reported their
    activities of ``period``, in ``scope`` and by child region."""
    expected = ("registered", "expiring", "legal_entity")
    out: dict[str, Any] = {"expected": 0, "reported": 0, "by_child": {}}
    for r in rows:
        if r.get("status") not in expected:
            continue
        reported = period in (r.get("activity_reported") or [])
        out["expected"] += 1
        out["reported"] += reported
        key = child_key_of(scope, r["region"])
        if key:
            child = out["by_child"].setdefault(key, {"expected": 0, "reported": 0})
            child["expected"] += 1
            child["reported"] += reported
    out["rate"] = round(out["reported"] / out["expected"], 3) if out["expected"] else None
    out["by_child"] = dict(sorted(out["by_child"].items()))
    return out


def child_key_of(scope: str, region: str) -> str | None:
    """The child of ``scope`` a region lies in (a province of the nation, a regency of a province…)."""
    depth = 0 if not scope else len(scope.split("."))
    parts = region.split(".")
    return ".".join(parts[:depth + 1]) if len(parts) > depth else None
