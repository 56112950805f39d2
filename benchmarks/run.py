"""Benchmark litellm-mimo against LiteLLM's built-in ``xiaomi_mimo`` provider and a raw httpx
client, side by side in one run, against a fast local MiMo stand-in (``upstream.py``).

    python -m benchmarks.run            # full: stable medians, ~5 minutes on 2 cores
    python -m benchmarks.run --quick    # a minute or so, for CI (which checks that it runs, not timings)
    python -m benchmarks.run --json out.json

Each comparison interleaves its targets round by round (A, B, C, A, B, C, ...) so that drift
in the machine hits all of them alike, and reports medians. Prints a markdown table and writes
JSON (default ``benchmarks/results.json``) with the machine it ran on.

What each module measures (README.md, "Benchmarks"): ``chat_in_code``, ``proxy_load``, ``audio``,
``replay_store``, ``import_time``; shared: ``upstream`` (the stand-in), ``measure`` (settings,
interleaving, medians, tracemalloc), ``report`` (rows, the table, the JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import litellm

from benchmarks import audio, chat_in_code, import_time, proxy_load, replay_store, report
from benchmarks.measure import FULL, QUICK
from benchmarks.upstream import Upstream


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few iterations (CI: keeps the benchmark running)")
    parser.add_argument("--json", type=Path, default=report.DEFAULT_JSON,
                        help=f"where to write results ({report.DEFAULT_JSON})")
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    litellm.suppress_debug_info = True

    started, load_before = time.time(), os.getloadavg()
    if load_before[0] > 0.5:
        print(f"# warning: load average {load_before[0]:.2f} before starting: something else is running, "
              "timings will be noisy", file=sys.stderr)
    rows: list[dict] = []
    with Upstream() as upstream:
        base = upstream.base_url
        sections = [
            ("chat, sync", lambda: chat_in_code.bench_chat_sync(base, settings)),
            ("chat, async", lambda: asyncio.run(chat_in_code.bench_chat_async(base, settings))),
            ("proxy", lambda: proxy_load.bench_proxy(base, settings)),
            ("audio", lambda: audio.bench_audio(base, settings)),
            ("long audio", lambda: audio.bench_long_audio(base, settings)),
            ("reasoning replay", lambda: replay_store.bench_replay_store(base, settings)),
            ("import", lambda: import_time.bench_import(settings)),
        ]
        for title, section in sections:
            section_start = time.monotonic()
            print(f"# {title} ...", file=sys.stderr, flush=True)
            rows += section()
            print(f"#   {time.monotonic() - section_start:.0f} s", file=sys.stderr, flush=True)

    report.write({"mode": "quick" if args.quick else "full", "settings": settings.__dict__,
                  "machine": report.machine_info(),
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
                  "seconds": round(time.time() - started, 1),
                  "loadavg_1min": {"before": load_before[0], "after": os.getloadavg()[0]}, "rows": rows}, args.json)


if __name__ == "__main__":
    main()
