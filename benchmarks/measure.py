"""What every benchmark shares: the settings of a run, the model and request they use, and how
they measure (interleaved rounds, medians, tracemalloc peaks)."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL = "mimo-v2.6-pro"
THIS, BUILTIN = f"xiaomi/{MODEL}", f"xiaomi_mimo/{MODEL}"
API_KEY = "k"
MESSAGES = [{"role": "user", "content": "What is machine learning?"}]
MIB = 1 << 20


@dataclass(frozen=True)
class Settings:
    warmup: int  # calls per target before measuring
    rounds: int  # interleaved rounds (A, B, C, A, B, C, ...)
    chat_calls: int  # non-streaming calls per target per round
    stream_calls: int  # 200-chunk streams per target per round
    proxy_rounds: int  # alternating batches per model through the proxy
    proxy_batch: int  # requests per batch
    concurrency: int
    audio_rounds: int
    memory_runs: int  # tracemalloc runs per audio case (median)
    import_runs: int  # fresh interpreters per import command
    piece_delay: float  # seconds the upstream takes per request in the long-audio section
    at_the_limits: bool  # also the largest speech and transcription the default limits allow
    store_turns: int  # tool turns per round (3 × rounds of them) timed against the reasoning replay store


QUICK = Settings(warmup=5, rounds=3, chat_calls=15, stream_calls=2, proxy_rounds=2, proxy_batch=80,
                 concurrency=16, audio_rounds=2, memory_runs=1, import_runs=3, piece_delay=0.1, at_the_limits=False,
                 store_turns=2_000)
FULL = Settings(warmup=30, rounds=12, chat_calls=60, stream_calls=6, proxy_rounds=10, proxy_batch=500,
                concurrency=16, audio_rounds=11, memory_runs=3, import_runs=11, piece_delay=0.5, at_the_limits=True,
                store_turns=5_000)


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def percentile_ms(seconds: list[float], fraction: float) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def spread_ms(results: dict[str, list[float]]) -> dict[str, dict]:
    """For the JSON: how many samples each median came from, and their quartiles."""
    return {name: {"n": len(seconds), "p25": percentile_ms(seconds, 0.25), "p75": percentile_ms(seconds, 0.75)}
            for name, seconds in results.items()}


def timed(call: Callable[[], Any], collect_first: bool = False) -> Callable[[], float]:
    def measure() -> float:
        if collect_first:
            gc.collect()
        start = time.perf_counter()
        call()
        return time.perf_counter() - start
    return measure


def atimed(call: Callable[[], Awaitable]) -> Callable[[], Awaitable[float]]:
    async def measure() -> float:
        start = time.perf_counter()
        await call()
        return time.perf_counter() - start
    return measure


def interleave(targets: dict[str, Callable[[], Any]], rounds: int, calls: int) -> dict[str, list]:
    """What each target's ``measure()`` returns, ``calls`` times per round, targets in turn."""
    results: dict[str, list] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, measure in targets.items():
            results[name] += [measure() for _ in range(calls)]
    return results


async def ainterleave(targets: dict[str, Callable[[], Awaitable]], rounds: int, calls: int) -> dict[str, list]:
    results: dict[str, list] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, measure in targets.items():
            for _ in range(calls):
                results[name].append(await measure())
    return results


def peak_growth(call: Callable[[], Any]) -> int:
    """Bytes allocated at the peak of ``call`` over what was allocated before it (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def expect(condition: bool, what: str) -> None:
    """A warm-up check that every target really did the work being timed."""
    if not condition:
        raise RuntimeError(f"benchmark sanity check failed: {what}")
