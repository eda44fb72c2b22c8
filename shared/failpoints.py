"""Crash points for the fault tests: ``KESBANG_FAILPOINTS=registry.after_write`` makes the process
kill itself (SIGKILL, as a power cut would) when it reaches that point. Unset in every real run."""

from __future__ import annotations

import os
import signal


def hit(name: str) -> None:
    points = os.environ.get("KESBANG_FAILPOINTS", "")
    if points and name in points.split(","):
        os.kill(os.getpid(), signal.SIGKILL)
