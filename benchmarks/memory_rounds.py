"""Does memory grow over repeated rounds? A measurement, not a CI assertion (LiteLLM's own caches
make a threshold flaky). Runs rounds of mixed calls (chat, stream, speech, transcription) against
the local stand-in, in code and through the proxy, and prints resident memory after each round.

    python -m benchmarks.memory_rounds [--rounds 8] [--calls 200]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx  # noqa: E402
import litellm  # noqa: E402

import litellm_mimo  # noqa: E402
from litellm_mimo.testing import MASTER_KEY, Proxy, derived_config  # noqa: E402
import mimo_standin  # noqa: E402
from mimo_standin import StandIn  # noqa: E402

MP3 = (Path(mimo_standin.__file__).parent / "good-morning.mp3").read_bytes()  # the stand-in's own sample


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (proxy workers), in MB."""
    total = 0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


async def in_code_round(url: str, calls: int) -> None:
    common = {"api_base": url, "api_key": "k"}
    for i in range(calls):
        kind = i % 4
        if kind == 0:
            await litellm.acompletion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": f"r{i}"}], **common)
        elif kind == 1:
            stream = await litellm.acompletion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": f"s{i}"}],
                                               stream=True, **common)
            async for _ in stream:
                pass
        elif kind == 2:
            await litellm.aspeech(model="xiaomi/mimo-v2.5-tts", input=f"w{i}", voice="alloy", **common)
        else:
            await litellm.atranscription(model="xiaomi/mimo-v2.5-asr", file=("a.mp3", MP3), **common)


async def proxy_round(url: str, calls: int) -> None:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=60) as client:
        async def one(i: int) -> None:
            kind = i % 4
            if kind == 0:
                r = await client.post("/v1/chat/completions", json={"model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": f"r{i}"}]})
            elif kind == 1:
                r = await client.post("/v1/chat/completions", json={"model": "mimo-v2.6-pro", "stream": True,
                                                                    "messages": [{"role": "user", "content": f"s{i}"}]})
            elif kind == 2:
                r = await client.post("/v1/audio/speech", json={"model": "mimo-v2.5-tts", "input": f"w{i}", "voice": "alloy"})
            else:
                r = await client.post("/v1/audio/transcriptions", data={"model": "mimo-v2.5-asr"}, files={"file": ("a.mp3", MP3)})
            r.raise_for_status()

        limit = asyncio.Semaphore(16)

        async def bounded(i: int) -> None:
            async with limit:
                await one(i)

        await asyncio.gather(*(bounded(i) for i in range(calls)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with StandIn() as mimo:
        print(f"in code: {args.rounds} rounds of {args.calls} mixed calls; RSS of this process (MB)")
        for n in range(args.rounds):
            asyncio.run(in_code_round(mimo.url, args.calls))  # a new event loop each round
            mimo.requests.clear()  # the stand-in's own request log lives in this process too
            gc.collect()
            print(f"  round {n + 1}: {rss_mb(os.getpid()):.1f}  (pooled async clients: "
                  f"{len(litellm_mimo.handler.clients._async)})", flush=True)
        with Proxy(mimo.url, config=derived_config(router_settings={"num_retries": 0})) as proxy:
            print(f"through the proxy: {args.rounds} rounds of {args.calls} mixed requests; RSS of the proxy (MB)")
            for n in range(args.rounds):
                asyncio.run(proxy_round(proxy.url, args.calls))
                mimo.requests.clear()
                print(f"  round {n + 1}: {rss_mb(proxy.process.pid):.1f}", flush=True)


if __name__ == "__main__":
    main()
