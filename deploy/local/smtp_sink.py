"""A local SMTP sink: accepts every message on 127.0.0.1 and stores each one as an .eml file.

Stands in for the office's mail relay in `make run` and in the tests (Mailpit plays this part in
docker-compose). A recipient at a ``bounce.`` domain is refused with 550, as an unknown mailbox is. Each file is written to a temporary name and renamed, so a reader never sees half a
message."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class StoreHandler:
    def __init__(self, directory: Path):
        self.directory = directory

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        # a mailbox that does not exist, as a real relay answers it (tests reach the bounce path)
        if "@bounce." in address:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        tmp = self.directory / f".{name}.tmp"
        header = f"X-Sink-Mail-From: {envelope.mail_from}\r\nX-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n"
        tmp.write_bytes(header.encode() + envelope.original_content)
        os.replace(tmp, self.directory / f"{name}.eml")
        return "250 Message accepted for delivery"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=1025)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(StoreHandler(directory), hostname=args.host, port=args.port,
                            data_size_limit=25 * 1024 * 1024)
    controller.start()
    print(f"smtp sink listening on {args.host}:{args.port}, storing in {directory}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
