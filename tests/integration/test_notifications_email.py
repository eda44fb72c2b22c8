"""The e-mail channel against Mailpit, a real SMTP server: the message is the server's only once the final
dot of DATA is sent, and the worker marks it handed over just before that dot — a worker that dies
before it leaves nothing delivered (so the message may be sent again), one that dies after may
have delivered it (so it is not)."""

import email
import email.policy
import uuid

import pytest

from services.notifications.adapters.channels import Content, Email, Permanent
from services.notifications.settings import Settings

pytestmark = pytest.mark.integration


def _delivered(infra, marker: str) -> list[email.message.EmailMessage]:
    return infra.mailbox.messages(marker)


def _content(marker: str) -> Content:
    return Content(subject=f"Undangan {marker}", text=f"Yth. Ketua.\n.\n..titik di awal baris {marker}\n",
                   html=f"<p>Undangan {marker}</p>", attachments=[("surat.pdf", "application/pdf", b"%PDF-1.4\n")],
                   message_id=f"k:o:invitation:email:{marker}")


def test_the_message_is_handed_over_just_before_the_final_dot(infra):
    channel = Email(Settings(smtp_host=infra.smtp_host, smtp_port=infra.smtp_port))
    marker = uuid.uuid4().hex
    marks: list[int] = []
    try:
        provider_id = channel.send(f"ketua.{marker}@ormas.example.org", _content(marker),
                                   committing=lambda: marks.append(len(_delivered(infra, marker))))
    finally:
        channel.close()
    assert marks == [0]  # at the commit point nothing was delivered yet
    [got] = _delivered(infra, marker)
    assert got["Message-ID"] == provider_id and got["X-Kesbang-Message"].endswith(marker)
    assert f"..titik di awal baris {marker}" in got.get_body(("plain",)).get_content()  # dot-stuffing undone
    assert [p.get_filename() for p in got.iter_attachments()] == ["surat.pdf"]


def test_a_worker_dying_at_the_commit_point_leaves_nothing_delivered(infra):
    channel = Email(Settings(smtp_host=infra.smtp_host, smtp_port=infra.smtp_port))
    marker = uuid.uuid4().hex

    def dies():
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        channel.send(f"ketua.{marker}@ormas.example.org", _content(marker), committing=dies)
    # the next message on a fresh connection goes through; the abandoned one never arrives
    after = uuid.uuid4().hex
    channel.send(f"ketua.{after}@ormas.example.org", _content(after))
    channel.close()
    assert len(_delivered(infra, after)) == 1 and _delivered(infra, marker) == []


def test_a_refused_mailbox_is_permanent_and_nothing_is_handed_over(infra):
    channel = Email(Settings(smtp_host=infra.smtp_host, smtp_port=infra.smtp_port))
    handed: list[bool] = []
    with pytest.raises(Permanent):
        channel.send(f"ketua.{uuid.uuid4().hex}@bounce.example.org", _content("x"), committing=lambda: handed.append(True))
    channel.close()
    assert handed == []
