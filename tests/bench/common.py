"""Measuring helpers shared by the benchmarks."""

from __future__ import annotations

import asyncio
import time


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


async def run_concurrently(n: int, concurrency: int, op) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def worker():
        while not queue.empty():
            i = queue.get_nowait()
            t = time.perf_counter()
            await op(i)
            latencies.append(time.perf_counter() - t)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies


def summary(name: str, n: int, seconds: float, latencies: list[float]) -> dict:
    rate = n / seconds
    return {"name": name, "operations": n, "seconds": round(seconds, 2),
            "ops_per_s": round(rate, 1) if rate >= 10 else float(f"{rate:.3g}"),
            "p50_ms": round(pct(latencies, 50) * 1000, 2), "p99_ms": round(pct(latencies, 99) * 1000, 2)}


def ratio(a: float, b: float) -> float | None:
    """a / b, kept readable for both tiny and huge ratios."""
    if not b:
        return None
    r = a / b
    return round(r, 3) if r < 10 else round(r, 1)
