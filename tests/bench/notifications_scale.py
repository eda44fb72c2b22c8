"""Notifications figures: the fan-out of 10,000 invitation e-mails, each with its signed PDF letter,
from the ``invited`` events to the last message in Mailpit — seconds, messages/s and the
workers' peak memory, against a baseline in the same run: the same letters written, signed and sent
by a plain loop over one SMTP connection; the PDF step alone, in letters per second per core, of the
documents layer against the whole page (fpdf2 and pyHanko's signer) as letters were made before;
and the chaos run: the worker killed with SIGKILL three times during a fan-out; lost (must be 0)
and doubled.

The invitations enter as the events service publishes them: ``invited`` events on
``events.participation`` (built by the events service's own code for a synthetic kegiatan)."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import os
import time
import uuid

from aiokafka import AIOKafkaProducer

from deploy.local import stack
from services.events import changes
from shared.contracts import encode
from tests.bench.common import ratio
from tests.mailbox import Mailbox

N_EMAILS = int(os.environ.get("BENCH_EMAILS", 10_000))
N_CHAOS = int(os.environ.get("BENCH_CHAOS_EMAILS", 2_000))
ENV = {"NOTIFICATIONS_RECOVER_AFTER_SECONDS": "30", "NOTIFICATIONS_RECOVER_EVERY_SECONDS": "30"}


def _kegiatan(tag: str) -> dict:
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    return {"_id": str(uuid.uuid4()), "version": 2, "title": f"Sosialisasi Bench {tag}", "type": "sosialisasi",
            "theme": None, "region": "35.07", "status": "published", "starts_at": start,
            "ends_at": start + dt.timedelta(hours=6),
            "venue": {"name": "Pendopo Kabupaten", "address": "Jl. Panji", "region": "35.07", "zone": "WIB"},
            "organiser": {"name": "Badan Kesatuan Bangsa dan Politik Kabupaten Malang", "region": "35.07", "address": None},
            "seats_per_ormas": 1, "capacity": None, "invited_count": 0, "speakers": [], "agenda": [], "guests": [],
            "letter": {"number": f"005/{tag}/35.07/2026", "nature": "Penting", "attachment": "-", "subject": "Undangan",
                       "signatory_name": "Kepala Bakesbangpol", "signatory_title": "Kepala Bakesbangpol Kabupaten Malang"},
            "fanout": {"run": tag}}


def invitations(n: int, tag: str) -> tuple[dict, list[dict]]:
    k = _kegiatan(tag)
    ids = [f"bench-{tag}-{i:05d}" for i in range(n)]
    copies = {i: {"_id": i, "name": f"Ormas {tag} {i[-5:]}", "email": f"ketua.{i}@ormas.example.org", "phone": None,
                  "whatsapp": None, "region": "35.07", "officers": []} for i in ids}
    pairs, _ = changes.new_participants(k, ids, copies, secret=b"b" * 40, public_url="http://127.0.0.1:8002",
                                        now=dt.datetime.now(dt.UTC), actor="bench")
    return k, [e["event"] for _, e in pairs]


async def _produce(topic: str, events: list[dict]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.infra_urls()["kafka"], acks="all", enable_idempotence=True,
                                linger_ms=5)
    await producer.start()
    try:
        sends = [await producer.send(topic, encode(e), key=e["data"]["participant_id"].encode()) for e in events]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def _wait_mail(mailbox: Mailbox, before: int, n: int, t0: float, timeout: float = 1200) -> float:
    while mailbox.total() - before < n:
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"only {mailbox.total() - before} of {n} e-mails after {timeout}s")
        await asyncio.sleep(0.5)
    return time.perf_counter() - t0


def _pdf_of(raw: bytes) -> bytes:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return next((a.get_content() for a in msg.iter_attachments() if a.get_content_type() == "application/pdf"), b"")


async def _sample_memory(p: stack.IsolatedPlatform, peak: dict[str, float]) -> None:
    """The largest resident set of any one worker process (the Celery parent or a pool child) and of
    the consumer process, every half second."""
    import psutil

    while True:
        for name, key in (("notifications-worker", "worker"), ("notifications-consumers", "consumer")):
            pid = p.group.pid(name)
            if pid is None:
                continue
            try:
                parent = psutil.Process(pid)
                for proc in [parent, *parent.children(recursive=True)]:
                    peak[key] = max(peak.get(key, 0), proc.memory_info().rss / 2**20)
            except psutil.Error:
                pass
        await asyncio.sleep(0.5)


def _pdf_step(docs: list[dict], papers) -> list[dict]:
    """Letters per second per core (one process): the documents layer (the kegiatan's page once,
    each copy drawn over it and signed), against the whole page per letter, signed by pyHanko's
    PDF signer, as every letter was made before."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from services.notifications.adapters.fonts import letter_fonts
    from services.notifications.application.delivery import office_region, sent_on
    from services.notifications.domain import documents, letters

    fonts = letter_fonts()
    datas = [{**d["payload"], "sent_on": sent_on(d["payload"], dt.datetime.now(dt.UTC)), "office": None} for d in docs]
    region = office_region(datas[0])
    signing = papers.signing(region)
    n = min(len(datas), 2000)
    t0 = time.process_time()
    for i, data in enumerate(datas[:n]):
        letters.pdf(data, fonts, verification=papers.verification(str(i)), signing=signing)
    fast = n / (time.process_time() - t0)
    signer = papers.keys.signer(region)
    m = min(len(datas), 40)
    t0 = time.process_time()
    for i, data in enumerate(datas[:m]):
        doc = letters._document(fonts)
        f = letters.fields(data)
        slots = letters._constant(doc, f)
        documents.draw(doc, *letters._variable(f, slots, papers.verification(str(i)), letters._fpdf_wrap(doc)))
        meta = signers.PdfSignatureMetadata(field_name="TandaTanganKantor")
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(bytes(doc.output()))), meta, signer=signer)
    whole = m / (time.process_time() - t0)
    return [{"name": "PDF step: signed letters per second per core, documents layer (page once, copies drawn over it)",
             "letters": n, "letters_per_s_per_core": round(fast, 1), "ratio_to_baseline": ratio(fast, whole)},
            {"name": "baseline: the whole page per letter (fpdf2) signed by pyHanko's PDF signer",
             "letters": m, "letters_per_s_per_core": round(whole, 1)}]


async def run(p: stack.IsolatedPlatform) -> list[dict]:
    mailbox = Mailbox(stack.infra_urls()["mailpit"])
    topic = p.topic("events.participation")
    rows: list[dict] = []

    # 1. the fan-out through the platform, the workers' memory sampled meanwhile
    tag = uuid.uuid4().hex[:8]
    _, events = invitations(N_EMAILS, tag)
    before = mailbox.total()
    peak: dict[str, float] = {}
    sampling = asyncio.create_task(_sample_memory(p, peak))
    t0 = time.perf_counter()
    await _produce(topic, events)
    seconds = await _wait_mail(mailbox, before, N_EMAILS, t0)
    sampling.cancel()
    got = mailbox.recipients(tag)
    platform_row = {"name": f"fan-out of {N_EMAILS} invitation e-mails with signed PDF letter "
                            "(events → consumer → Celery → Mailpit)",
                    "messages": N_EMAILS, "seconds": round(seconds, 1), "messages_per_s": round(N_EMAILS / seconds, 1),
                    "recipients_reached": len(got), "doubled": sum(c - 1 for c in got.values() if c > 1),
                    "worker_process_peak_mb": round(peak.get("worker", 0)), "consumer_peak_mb": round(peak.get("consumer", 0))}
    sample = mailbox.ids()[before - mailbox.at_start:][:50]
    signed = sum(1 for i in sample if b"/ETSI.CAdES.detached" in _pdf_of(mailbox.raw(i)))
    platform_row["signed_in_sample_of_50"] = signed
    print("  " + ", ".join(f"{k}={v}" for k, v in platform_row.items()), flush=True)

    # 2. baseline: the same letters written, signed and sent by a plain loop
    from services.notifications.adapters.channels import Email
    from services.notifications.adapters.signing import OfficeKeys
    from services.notifications.application.delivery import content, papers_of
    from services.notifications.domain import messages as rules
    from services.notifications.settings import Settings

    settings = Settings(environment="development", smtp_host=stack.HOST, smtp_port=int(stack.infra_urls()["smtp_port"]),
                        signing_keys_dir=stack.DATA / "keys" / "bench")
    papers = papers_of(settings, OfficeKeys(settings.signing_keys_dir))
    smtp = Email(settings)
    docs = [d for e in events for d in rules.for_invitation(e["data"], dt.datetime.now(dt.UTC))]
    before = mailbox.total()
    t0 = time.perf_counter()
    for d in docs:
        smtp.send(d["to"], content(d, None, papers))
    smtp.close()
    raw = await _wait_mail(mailbox, before, len(docs), t0)
    raw_row = {"name": "baseline: the same signed letters written and sent by a plain loop, one process, one SMTP connection",
               "messages": len(docs), "seconds": round(raw, 1), "messages_per_s": round(len(docs) / raw, 1)}
    platform_row["ratio_to_baseline"] = ratio(platform_row["messages_per_s"], raw_row["messages_per_s"])
    rows += [platform_row, raw_row, *await asyncio.to_thread(_pdf_step, docs, papers)]
    for row in rows[-3:]:
        print("  " + ", ".join(f"{k}={v}" for k, v in row.items()), flush=True)

    # 3. chaos: the worker is killed with SIGKILL three times during a fan-out
    tag = uuid.uuid4().hex[:8]
    _, events = invitations(N_CHAOS, tag)
    expected = {e["data"]["change"]["recipient"]["email"] for e in events}
    before = mailbox.total()
    t0 = time.perf_counter()
    await _produce(topic, events)
    kills = 0
    for share in (0.15, 0.40, 0.65):
        while mailbox.total() - before < share * N_CHAOS:
            await asyncio.sleep(0.2)
        p.kill("notifications-worker")
        kills += 1
        await asyncio.sleep(1)
        await asyncio.to_thread(p.restart, "notifications-worker")
    deadline = time.perf_counter() + 600
    while True:
        got = mailbox.recipients(tag)
        if set(got) >= expected or time.perf_counter() > deadline:
            break
        await asyncio.sleep(2)
    seconds = time.perf_counter() - t0
    lost = len(expected - set(got))
    doubled = sum(c - 1 for c in got.values() if c > 1)
    rows.append({"name": f"chaos: {N_CHAOS} invitation e-mails, the worker killed with SIGKILL {kills} times",
                 "expected": N_CHAOS, "delivered": len(got), "lost": lost, "doubled": doubled,
                 "seconds": round(seconds, 1)})
    return rows
