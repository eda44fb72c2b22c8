"""The letters the platform sent, read from Mailpit's API (the local stack's SMTP server).

Only what arrives after the Mailbox is made counts: Mailpit keeps every earlier run's letters too
(it starts with no message limit and its database persists). It lists messages newest first, so the
run's own are the first ``total - at_start`` of the list, read again only when the total moves; a
message never changes, so each one's raw source is fetched once and kept."""

from __future__ import annotations

import email
import email.message
import email.policy

import httpx

PAGE = 1000


class Mailbox:
    def __init__(self, api_url: str):
        self.client = httpx.Client(base_url=api_url.rstrip("/"), timeout=30)
        self._raw: dict[str, bytes] = {}
        self._order: list[str] = []  # oldest first
        self.at_start = self.total()

    def total(self) -> int:
        return self.client.get("/api/v1/messages", params={"limit": 1}).raise_for_status().json()["total"]

    def ids(self) -> list[str]:
        """The id of every message since the Mailbox was made, oldest first."""
        new = self.total() - self.at_start
        if new != len(self._order):
            listed: list[str] = []
            while len(listed) < new:
                page = self.client.get("/api/v1/messages", params={"start": len(listed),
                                                                   "limit": min(PAGE, new - len(listed))}
                                       ).raise_for_status().json()
                if not page["messages"]:
                    break
                listed.extend(m["ID"] for m in page["messages"])
            known = set(self._order)
            self._order.extend(i for i in reversed(listed) if i not in known)
        return list(self._order)

    def raw(self, message_id: str) -> bytes:
        if message_id not in self._raw:
            self._raw[message_id] = self.client.get(f"/api/v1/message/{message_id}/raw").raise_for_status().content
        return self._raw[message_id]

    def raw_messages(self, since: int = 0) -> list[bytes]:
        """The raw source of every message, oldest first; ``since`` skips the first ones (a count
        taken earlier with ``len(ids())``)."""
        return [self.raw(i) for i in self.ids()[since:]]

    def messages(self, marker: str) -> list[email.message.EmailMessage]:
        """The messages whose raw source holds ``marker``, parsed."""
        return [email.message_from_bytes(r, policy=email.policy.default)
                for r in self.raw_messages() if marker.encode() in r]

    def recipients(self, query: str) -> dict[str, int]:
        """How many messages each address received among those Mailpit's search finds for ``query``
        (summaries only: no message is downloaded)."""
        seen: dict[str, int] = {}
        start = 0
        while True:
            page = self.client.get("/api/v1/search", params={"query": query, "start": start, "limit": PAGE}
                                   ).raise_for_status().json()
            for m in page["messages"]:
                for to in m["To"] or []:
                    seen[to["Address"]] = seen.get(to["Address"], 0) + 1
            start += PAGE
            if start >= page["messages_count"]:
                return seen
