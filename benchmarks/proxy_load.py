"""Through the proxy: requests/s, the proxy's CPU per request and p50/p99 latency at a fixed
concurrency, this package's deployment against one of LiteLLM's built-in ``xiaomi_mimo`` with the
same declared limits, batches alternating, one proxy (``litellm_mimo.testing.Proxy``)."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path

import httpx
import yaml

from litellm_mimo.testing import MASTER_KEY, Proxy  # the same proxy runner as the end-to-end tests
from benchmarks.measure import API_KEY, BUILTIN, MESSAGES, MODEL, ROOT, Settings, expect, percentile_ms
from benchmarks.report import row
from benchmarks.upstream import CHAT_CONTENT


def proxy_config(upstream_base: str) -> dict:
    """The shipped proxy_config.yaml plus a deployment of LiteLLM's built-in provider with the same
    declared limits (the Router's work the same on both sides), no retries."""
    config = yaml.safe_load((ROOT / "proxy_config.yaml").read_text())
    ours = next(d["litellm_params"] for d in config["model_list"] if d["model_name"] == MODEL)
    limits_ = {k: ours[k] for k in ("rpm", "tpm", "max_parallel_requests") if k in ours}
    config["model_list"].append({"model_name": f"builtin-{MODEL}", "litellm_params": {
        "model": BUILTIN, "api_base": upstream_base, "api_key": API_KEY, **limits_}})
    config["router_settings"] = {"num_retries": 0}
    return config


async def proxy_batch(client: httpx.AsyncClient, url: str, model: str, requests: int,
                      concurrency: int) -> tuple[float, list[float]]:
    """``requests`` chat calls, ``concurrency`` at a time: (wall seconds, each call's latency)."""
    latencies: list[float] = []
    numbers = iter(range(requests))  # shared by the workers: each request is taken once

    async def worker() -> None:
        for _ in numbers:
            start = time.perf_counter()
            response = await client.post(url, json={"model": model, "messages": MESSAGES})
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise RuntimeError(f"proxy answered {response.status_code} for {model}: {response.text[:300]}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def proxy_load(proxy_url: str, proxy_pid: int, s: Settings) -> list[dict]:
    url = proxy_url + "/v1/chat/completions"
    models = {"this": MODEL, "builtin": f"builtin-{MODEL}"}
    rps: dict[str, list[float]] = {name: [] for name in models}
    cpu_ms: dict[str, list[float]] = {name: [] for name in models}  # proxy CPU per request, per batch
    latencies: dict[str, list[float]] = {name: [] for name in models}
    limits = httpx.Limits(max_connections=s.concurrency, max_keepalive_connections=s.concurrency)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {MASTER_KEY}"}, limits=limits,
                                 timeout=60) as client:
        for name, model in models.items():  # warm-up, and a check of what comes back
            response = await client.post(url, json={"model": model, "messages": MESSAGES})
            expect(response.status_code == 200 and response.json()["choices"][0]["message"]["content"] == CHAT_CONTENT,
                   f"proxy {name}: {response.status_code} {response.text[:300]}")
            await proxy_batch(client, url, model, s.concurrency * 4, s.concurrency)
        for _ in range(s.proxy_rounds):
            for name, model in models.items():
                cpu_before = cpu_seconds(proxy_pid)
                seconds, batch = await proxy_batch(client, url, model, s.proxy_batch, s.concurrency)
                cpu_after = cpu_seconds(proxy_pid)
                rps[name].append(len(batch) / seconds)
                latencies[name] += batch
                if cpu_before is not None and cpu_after is not None:
                    cpu_ms[name].append((cpu_after - cpu_before) / len(batch) * 1000)
    group, c = "proxy", s.concurrency
    this_rps, builtin_rps = statistics.median(rps["this"]), statistics.median(rps["builtin"])
    rows = [row(group, f"requests/s at concurrency {c}", "req/s", this_rps, builtin_rps,
                target="this / built-in ≥ 1.0", met=this_rps >= builtin_rps, batches=rps)]
    if cpu_ms["this"] and cpu_ms["builtin"]:
        # Steadier than requests/s: the proxy is CPU-bound on one core, and what it spends per
        # request does not depend on how the load generator and upstream share the other one.
        this_cpu, builtin_cpu = statistics.median(cpu_ms["this"]), statistics.median(cpu_ms["builtin"])
        rows.append(row(group, f"proxy CPU per request at concurrency {c}", "ms", this_cpu, builtin_cpu,
                        target="this / built-in ≤ 1.0", met=this_cpu <= builtin_cpu, batches=cpu_ms))
    for label, fraction in (("p50", 0.5), ("p99", 0.99)):
        this_ms = percentile_ms(latencies["this"], fraction)
        builtin_ms = percentile_ms(latencies["builtin"], fraction)
        rows.append(row(group, f"{label} latency at concurrency {c}", "ms", this_ms, builtin_ms,
                        target="this / built-in ≤ 1.0", met=this_ms <= builtin_ms,
                        requests={name: len(seconds) for name, seconds in latencies.items()}))
    return rows


def bench_proxy(upstream_base: str, s: Settings) -> list[dict]:
    with Proxy(upstream_base, config=proxy_config(upstream_base), env={"XIAOMI_API_KEY": API_KEY}) as proxy:
        return asyncio.run(proxy_load(proxy.url, proxy.process.pid, s))
