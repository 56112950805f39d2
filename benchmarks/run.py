"""Benchmark litellm-mimo against LiteLLM's built-in ``xiaomi_mimo`` provider and a raw httpx
client, side by side in one run, against a fast local MiMo stand-in (``upstream.py``).

    python -m benchmarks.run            # full: stable medians, ~5 minutes on 2 cores
    python -m benchmarks.run --quick    # a minute or so, for CI (which checks that it runs, not timings)
    python -m benchmarks.run --json out.json

Each comparison interleaves its targets round by round (A, B, C, A, B, C, ...) so that drift
in the machine hits all of them alike, and reports medians. Prints a markdown table and writes
JSON (default ``benchmarks/results.json``) with the machine it ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import litellm
import yaml

import litellm_mimo  # noqa: F401  (registers the provider "xiaomi")
from litellm_mimo.testing import MASTER_KEY, Proxy  # the same proxy runner as the end-to-end tests
from benchmarks.upstream import CHAT_CONTENT, TRANSCRIPT, Upstream, stream_texts
from litellm_mimo import audiofile, limits, speech

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = ROOT / "benchmarks" / "results.json"
MODEL = "mimo-v2.6-pro"
THIS, BUILTIN = f"xiaomi/{MODEL}", f"xiaomi_mimo/{MODEL}"
API_KEY = "k"
MESSAGES = [{"role": "user", "content": "What is machine learning?"}]
STREAM_CHUNKS = 200
SPEECH_TEXT = "Hey boss, good morning! Today looks like a good day to ship."
SPEECH_BYTES = audiofile.WAV_HEADER_SIZE + 30 * audiofile.SAMPLE_RATE * 2  # the stand-in's default: 30 s
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


QUICK = Settings(warmup=5, rounds=3, chat_calls=15, stream_calls=2, proxy_rounds=2, proxy_batch=80,
                 concurrency=16, audio_rounds=2, memory_runs=1, import_runs=3, piece_delay=0.1, at_the_limits=False)
FULL = Settings(warmup=30, rounds=12, chat_calls=60, stream_calls=6, proxy_rounds=10, proxy_batch=500,
                concurrency=16, audio_rounds=11, memory_runs=3, import_runs=11, piece_delay=0.5, at_the_limits=True)


# --- measuring ---------------------------------------------------------------------------------


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


def expect(condition: bool, what: str) -> None:
    """A warm-up check that every target really did the work being timed."""
    if not condition:
        raise RuntimeError(f"benchmark sanity check failed: {what}")


# --- results -----------------------------------------------------------------------------------


def row(group: str, name: str, unit: str, this: float | None, builtin: float | None = None,
        raw: float | None = None, target: str = "", met: bool | None = None, **extra: Any) -> dict:
    return {"group": group, "name": name, "unit": unit, "this": this, "builtin": builtin, "raw": raw,
            "this_over_builtin": this / builtin if this is not None and builtin else None,
            "this_minus_raw": this - raw if this is not None and raw is not None else None,
            "target": target, "met": met, **extra}


def time_row(group: str, name: str, this_ms: float, builtin_ms: float | None, raw_ms: float, **extra: Any) -> dict:
    """A per-call time row; with a built-in figure, the target is not being slower than it."""
    if builtin_ms is None:
        return row(group, name, "ms", this_ms, None, raw_ms, **extra)
    return row(group, name, "ms", this_ms, builtin_ms, raw_ms, target="this / built-in ≤ 1.0",
               met=this_ms <= builtin_ms, **extra)


# --- a. / b. chat in code -----------------------------------------------------------------------


def chat_targets_sync(base: str, raw: httpx.Client) -> dict[str, Callable[[], str]]:
    body = {"model": MODEL, "messages": MESSAGES}

    def this() -> str:
        return litellm.completion(model=THIS, messages=MESSAGES, api_base=base, api_key=API_KEY).choices[0].message.content

    def builtin() -> str:
        return litellm.completion(model=BUILTIN, messages=MESSAGES, api_base=base,
                                  api_key=API_KEY).choices[0].message.content

    def raw_post() -> str:
        response = raw.post(base + "/chat/completions", json=body, headers={"Authorization": f"Bearer {API_KEY}"})
        return response.json()["choices"][0]["message"]["content"]

    return {"this": this, "builtin": builtin, "raw": raw_post}


def chat_targets_async(base: str, raw: httpx.AsyncClient) -> dict[str, Callable[[], Awaitable[str]]]:
    body = {"model": MODEL, "messages": MESSAGES}

    async def this() -> str:
        response = await litellm.acompletion(model=THIS, messages=MESSAGES, api_base=base, api_key=API_KEY)
        return response.choices[0].message.content

    async def builtin() -> str:
        response = await litellm.acompletion(model=BUILTIN, messages=MESSAGES, api_base=base, api_key=API_KEY)
        return response.choices[0].message.content

    async def raw_post() -> str:
        response = await raw.post(base + "/chat/completions", json=body,
                                  headers={"Authorization": f"Bearer {API_KEY}"})
        return response.json()["choices"][0]["message"]["content"]

    return {"this": this, "builtin": builtin, "raw": raw_post}


def _delta_texts(chunk: Any) -> tuple[str, str]:
    if not chunk.choices:
        return "", ""
    delta = chunk.choices[0].delta
    return getattr(delta, "reasoning_content", None) or "", delta.content or ""


def _raw_delta_texts(line: str) -> tuple[str, str] | None:
    """The texts of one raw SSE line; None for lines that are not a chunk."""
    if not line.startswith("data: ") or line == "data: [DONE]":
        return None
    choices = json.loads(line[6:])["choices"]
    if not choices:
        return "", ""
    delta = choices[0]["delta"]
    return delta.get("reasoning_content") or "", delta.get("content") or ""


# A stream measurement: (seconds to the first chunk, seconds in all, reasoning text, content text).
StreamResult = tuple[float, float, str, str]


class _StreamClock:
    """Times one stream as its pieces arrive."""

    def __init__(self) -> None:
        self.start, self.first, self.texts = time.perf_counter(), None, ([], [])

    def piece(self, delta: tuple[str, str] | None) -> None:
        if delta is None:
            return
        if self.first is None:
            self.first = time.perf_counter() - self.start
        for text, parts in zip(delta, self.texts):
            parts.append(text)

    def result(self) -> StreamResult:
        return self.first, time.perf_counter() - self.start, "".join(self.texts[0]), "".join(self.texts[1])


def stream_targets_sync(base: str, raw: httpx.Client) -> dict[str, Callable[[], StreamResult]]:
    headers = {"X-Bench-Chunks": str(STREAM_CHUNKS)}
    body = {"model": MODEL, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}

    def litellm_stream(model: str) -> StreamResult:
        clock = _StreamClock()
        for chunk in litellm.completion(model=model, messages=MESSAGES, api_base=base, api_key=API_KEY, stream=True,
                                        stream_options={"include_usage": True}, extra_headers=headers):
            clock.piece(_delta_texts(chunk))
        return clock.result()

    def raw_stream() -> StreamResult:
        clock = _StreamClock()
        with raw.stream("POST", base + "/chat/completions", json=body,
                        headers={**headers, "Authorization": f"Bearer {API_KEY}"}) as response:
            for line in response.iter_lines():
                clock.piece(_raw_delta_texts(line))
        return clock.result()

    return {"this": lambda: litellm_stream(THIS), "builtin": lambda: litellm_stream(BUILTIN), "raw": raw_stream}


def stream_targets_async(base: str, raw: httpx.AsyncClient) -> dict[str, Callable[[], Awaitable[StreamResult]]]:
    headers = {"X-Bench-Chunks": str(STREAM_CHUNKS)}
    body = {"model": MODEL, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}

    async def litellm_stream(model: str) -> StreamResult:
        clock = _StreamClock()
        stream = await litellm.acompletion(model=model, messages=MESSAGES, api_base=base, api_key=API_KEY,
                                           stream=True, stream_options={"include_usage": True},
                                           extra_headers=headers)
        async for chunk in stream:
            clock.piece(_delta_texts(chunk))
        return clock.result()

    async def raw_stream() -> StreamResult:
        clock = _StreamClock()
        async with raw.stream("POST", base + "/chat/completions", json=body,
                              headers={**headers, "Authorization": f"Bearer {API_KEY}"}) as response:
            async for line in response.aiter_lines():
                clock.piece(_raw_delta_texts(line))
        return clock.result()

    async def this() -> StreamResult:
        return await litellm_stream(THIS)

    async def builtin() -> StreamResult:
        return await litellm_stream(BUILTIN)

    return {"this": this, "builtin": builtin, "raw": raw_stream}


def check_stream(name: str, result: StreamResult) -> None:
    expect(result[2:] == stream_texts(STREAM_CHUNKS), f"{name}: the stream's texts differ from what was sent")


def chat_rows(times: dict[str, list[float]], group: str, name: str) -> dict:
    return time_row(group, name, median_ms(times["this"]), median_ms(times["builtin"]), median_ms(times["raw"]),
                    spread=spread_ms(times))


def stream_rows(results: dict[str, list[StreamResult]], group: str, mode: str) -> list[dict]:
    first = {name: [r[0] for r in rs] for name, rs in results.items()}
    total = {name: [r[1] for r in rs] for name, rs in results.items()}
    return [chat_rows(first, group, f"{mode} stream: time to first chunk"),
            chat_rows(total, group, f"{mode} stream: total, {STREAM_CHUNKS} chunks")]


def bench_chat_sync(base: str, s: Settings) -> list[dict]:
    with httpx.Client() as raw:
        chat, streams = chat_targets_sync(base, raw), stream_targets_sync(base, raw)
        for name, call in chat.items():
            for _ in range(s.warmup):
                expect(call() == CHAT_CONTENT, f"sync {name}: wrong content")
        for name, call in streams.items():
            for _ in range(max(1, s.warmup // 10)):
                check_stream(f"sync {name}", call())
        chat_times = interleave({name: timed(call) for name, call in chat.items()}, s.rounds, s.chat_calls)
        stream_results = interleave(streams, s.rounds, s.stream_calls)
    return [chat_rows(chat_times, "chat in code", "completion, per call"),
            *stream_rows(stream_results, "chat in code", "completion")]


async def bench_chat_async(base: str, s: Settings) -> list[dict]:
    async with httpx.AsyncClient() as raw:
        chat, streams = chat_targets_async(base, raw), stream_targets_async(base, raw)
        for name, call in chat.items():
            for _ in range(s.warmup):
                expect(await call() == CHAT_CONTENT, f"async {name}: wrong content")
        for name, call in streams.items():
            for _ in range(max(1, s.warmup // 10)):
                check_stream(f"async {name}", await call())
        chat_times = await ainterleave({name: atimed(call) for name, call in chat.items()}, s.rounds, s.chat_calls)
        stream_results = await ainterleave(streams, s.rounds, s.stream_calls)
    return [chat_rows(chat_times, "chat in code", "acompletion, per call"),
            *stream_rows(stream_results, "chat in code", "acompletion")]


# --- c. through the proxy ------------------------------------------------------------------------


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


# --- d. audio --------------------------------------------------------------------------------------


def silent_wav_of_size(size: int) -> bytes:
    return audiofile.wav_file(bytes(size - audiofile.WAV_HEADER_SIZE))


def raw_wav_pieces(wav: bytes) -> Iterator[bytes]:
    """The WAV cut as the package cuts it, one piece at a time: whole files whose data URL fits
    MiMo's limit."""
    max_bytes = audiofile.max_bytes_in_data_url("wav")
    if len(wav) <= max_bytes:
        yield wav
        return
    for header, samples in audiofile.wav_pieces(audiofile.read_wav(wav), max_bytes):
        yield header + samples


def audio_targets(base: str, raw: httpx.Client, wav_7: bytes, wav_30: bytes) -> dict[str, dict[str, Callable]]:
    """Per case, the package's call and the raw httpx call doing the same job."""
    auth = {"Authorization": f"Bearer {API_KEY}"}

    def speech() -> bytes:
        return litellm.speech(model="xiaomi/mimo-v2.5-tts", input=SPEECH_TEXT, voice="alloy", api_base=base,
                              api_key=API_KEY).content

    def raw_speech() -> bytes:
        body = {"model": "mimo-v2.5-tts", "messages": [{"role": "assistant", "content": SPEECH_TEXT}],
                "audio": {"format": "wav", "voice": "mimo_default"}}
        answer = raw.post(base + "/chat/completions", json=body, headers=auth).json()
        return base64.b64decode(answer["choices"][0]["message"]["audio"]["data"])

    def transcribe(wav: bytes) -> Callable[[], str]:
        return lambda: litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=wav, api_base=base,
                                             api_key=API_KEY).text

    def raw_transcribe(wav: bytes) -> Callable[[], str]:
        def call() -> str:
            texts = []
            for piece in raw_wav_pieces(wav):
                data_url = audiofile.data_url("wav", piece)
                body = {"model": "mimo-v2.5-asr", "messages": [{"role": "user", "content": [
                    {"type": "input_audio", "input_audio": {"data": data_url}}]}]}
                answer = raw.post(base + "/chat/completions", json=body, headers=auth).json()
                texts.append(answer["choices"][0]["message"]["content"])
            return " ".join(texts)
        return call

    return {
        "speech, 30 s WAV out": {"this": speech, "raw": raw_speech},
        "transcription, 7 MiB WAV in (1 request)": {"this": transcribe(wav_7), "raw": raw_transcribe(wav_7)},
        "transcription, 30 MiB WAV in (5 pieces)": {"this": transcribe(wav_30), "raw": raw_transcribe(wav_30)},
    }


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


def bench_audio(base: str, s: Settings) -> list[dict]:
    wav_7, wav_30 = silent_wav_of_size(7 * MIB), silent_wav_of_size(30 * MIB)
    audio_size = {"speech, 30 s WAV out": SPEECH_BYTES, "transcription, 7 MiB WAV in (1 request)": len(wav_7),
                  "transcription, 30 MiB WAV in (5 pieces)": len(wav_30)}
    rows = []
    with httpx.Client(timeout=120) as raw:
        for case, targets in audio_targets(base, raw, wav_7, wav_30).items():
            for name, call in targets.items():  # warm-up, and a check of the result
                result = call()
                expect(len(result) == SPEECH_BYTES if case.startswith("speech") else result.startswith(TRANSCRIPT),
                       f"{case}, {name}: unexpected result")
            # httpx leaves each response (and its request body: megabytes here) in a reference
            # cycle until the next full GC; collect first so no call pays for the previous one's.
            times = interleave({name: timed(call, collect_first=True) for name, call in targets.items()},
                               s.audio_rounds, 1)
            rows.append(time_row("audio", f"{case}: time", median_ms(times["this"]), None, median_ms(times["raw"]),
                                 spread=spread_ms(times)))
            peaks = {name: statistics.median(peak_growth(call) for _ in range(s.memory_runs))
                     for name, call in targets.items()}
            this_x, raw_x = peaks["this"] / audio_size[case], peaks["raw"] / audio_size[case]
            rows.append(row("audio", f"{case}: peak memory growth", "× audio", this_x, raw=raw_x,
                            target="≤ 4× audio size", met=this_x <= 4.0, audio_bytes=audio_size[case],
                            this_peak_bytes=peaks["this"], raw_peak_bytes=peaks["raw"]))
    return rows


# --- f. long audio: pieces at once, streamed speech, the largest requests allowed --------------------

PIECE_TEXT = "A sentence of the audiobook, long enough to fill one piece of MiMo speech " * 32  # ~2,400 chars


def piece_text(count: int) -> str:
    return " ".join(f"Chapter part {i}. " + PIECE_TEXT.strip() for i in range(count))


def timed_stream(open_stream: Callable[[], Any]) -> tuple[float, float, int]:
    """Seconds to the first byte and in all, and the bytes, of one streamed answer."""
    start, first, size = time.perf_counter(), None, 0
    with open_stream() as response:
        for chunk in response.iter_bytes():
            first = first or time.perf_counter() - start
            size += len(chunk)
    return first, time.perf_counter() - start, size


def bench_long_audio(base: str, s: Settings) -> list[dict]:
    """Against an upstream that takes ``delay`` seconds per request: long audio with pieces one after
    another (audio_concurrency=1, the package before) and 4 at a time (the default), side by side."""
    group, delay, rows = "long audio", s.piece_delay, []
    bench = {"X-Bench-Delay": str(delay), "X-Bench-Seconds": "5"}

    def transcribe(wav: bytes, window: int) -> Callable[[], str]:
        return lambda: litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=wav, api_base=base, api_key=API_KEY,
                                             headers=bench, audio_concurrency=window).text

    one_piece, four_pieces = silent_wav_of_size(7 * MIB), silent_wav_of_size(28 * MIB)  # 4 pieces of about 7 MiB
    expect(len(list(raw_wav_pieces(four_pieces))) == 4, "the long file is meant to be four pieces")
    times = interleave({"one piece": timed(transcribe(one_piece, 4)), "1 at a time": timed(transcribe(four_pieces, 1)),
                        "4 at a time": timed(transcribe(four_pieces, 4))}, s.audio_rounds, 1)
    piece, before, after = (median_ms(times[k]) for k in ("one piece", "1 at a time", "4 at a time"))
    rows.append(row(group, f"transcription, 4 pieces of {delay:g} s each: time (raw: one piece at a time)", "ms",
                    after, raw=before, target=f"≤ 1.5× one piece ({piece:.0f} ms)", met=after <= 1.5 * piece,
                    one_piece_ms=piece))
    peaks = {window: peak_growth(transcribe(four_pieces, window)) / len(four_pieces) for window in (1, 4)}
    rows.append(row(group, "transcription, 4 pieces: peak memory growth (raw: one piece at a time)", "× audio",
                    peaks[4], raw=peaks[1], target="≤ 3× audio size", met=peaks[4] <= 3.0))

    config = yaml.safe_load((ROOT / "proxy_config.yaml").read_text())
    config["model_list"] = [{"model_name": name, "litellm_params": {
        "model": "xiaomi/mimo-v2.5-tts", "api_key": "os.environ/XIAOMI_API_KEY", "extra_headers": bench, **extra}}
        for name, extra in (("tts", {}), ("tts-1-at-a-time", {"audio_concurrency": 1}))]
    text, pieces = piece_text(12), 12
    with Proxy(base, config=config, env={"XIAOMI_API_KEY": API_KEY}) as proxy, \
            httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=120) as client:
        def speak(model: str, words: str) -> Callable[[], tuple[float, float, int]]:
            return lambda: timed_stream(lambda: client.stream("POST", "/v1/audio/speech", json={
                "model": model, "input": words, "response_format": "pcm"}))
        results = interleave({"one piece": speak("tts", piece_text(1)), "1 at a time": speak("tts-1-at-a-time", text),
                              "4 at a time": speak("tts", text)}, s.audio_rounds, 1)
    expect(all(size == pieces * 5 * audiofile.SAMPLE_RATE * 2 for _, _, size in results["4 at a time"]),
           "every piece's audio came through")
    first = {k: statistics.median(r[0] for r in v) * 1000 for k, v in results.items()}
    total = {k: statistics.median(r[1] for r in v) * 1000 for k, v in results.items()}
    rounds = -(-pieces // 4)
    rows.append(row(group, f"speech, {pieces} pieces through the proxy: time to first byte (raw: one piece at a time)",
                    "ms", first["4 at a time"], raw=first["1 at a time"],
                    target=f"≤ 1.3× one piece ({total['one piece']:.0f} ms)",
                    met=first["4 at a time"] <= 1.3 * total["one piece"]))
    rows.append(row(group, f"speech, {pieces} pieces through the proxy: total (raw: one piece at a time)", "ms",
                    total["4 at a time"], raw=total["1 at a time"],
                    target=f"≤ 1.3× {rounds} pieces ({rounds * total['one piece']:.0f} ms)",
                    met=total["4 at a time"] <= 1.3 * rounds * total["one piece"]))

    def speech_in_code(words: str, streamed: bool) -> Callable[[], int]:
        def call() -> int:
            r = litellm.speech(model="xiaomi/mimo-v2.5-tts", input=words, api_base=base, api_key=API_KEY,
                               response_format="pcm", extra_headers={"X-Bench-Seconds": "5"})
            return sum(len(chunk) for chunk in r.iter_bytes()) if streamed else len(r.content)
        return call

    audio_bytes = pieces * 5 * audiofile.SAMPLE_RATE * 2
    held = peak_growth(speech_in_code(text, streamed=False)) / audio_bytes
    streamed = peak_growth(speech_in_code(text, streamed=True)) / audio_bytes
    rows.append(row(group, f"speech, {pieces} pieces in code: peak memory growth, streamed (raw: read whole)",
                    "× audio", streamed, raw=held, target="≤ 4× audio size", met=streamed <= 4.0))
    if s.at_the_limits:
        rows += bench_at_the_limits(base, group)
    return rows


def bench_at_the_limits(base: str, group: str) -> list[dict]:
    """The largest speech and transcription the default limits allow (limits.py), once each."""
    rows = []
    text = piece_text(41)[:limits.SPEECH_CHARS[2]]
    seconds = 160  # about what 2,500 characters take to say: ~7.7 MB of 24 kHz 16-bit audio a piece
    pieces = len(speech.split_text(text))

    def speak() -> int:
        r = litellm.speech(model="xiaomi/mimo-v2.5-tts", input=text, api_base=base, api_key=API_KEY,
                           response_format="pcm", extra_headers={"X-Bench-Seconds": str(seconds)})
        return sum(len(chunk) for chunk in r.iter_bytes())

    started = time.perf_counter()
    peak = peak_growth(speak)
    audio = pieces * seconds * audiofile.SAMPLE_RATE * 2
    rows.append(row(group, f"speech at the limit ({len(text):,} characters, {pieces} pieces, {audio / MIB:.0f} MiB "
                    "of audio), streamed: peak memory growth", "× audio", peak / audio, target="≤ 4× audio size",
                    met=peak <= 4 * audio, seconds=round(time.perf_counter() - started, 1)))
    wav = silent_wav_of_size(limits.TRANSCRIPTION_MB[2] * limits.MB)
    started = time.perf_counter()
    peak = peak_growth(lambda: litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=wav, api_base=base,
                                                     api_key=API_KEY).text)
    rows.append(row(group, f"transcription at the limit ({len(wav) / limits.MB:.0f} MB, "
                    f"{len(list(raw_wav_pieces(wav)))} pieces): peak memory growth", "× audio", peak / len(wav),
                    target="≤ 3× audio size", met=peak <= 3 * len(wav), seconds=round(time.perf_counter() - started, 1)))
    return rows


# --- e. import time --------------------------------------------------------------------------------

IMPORT_LITELLM = "import litellm"
# `import litellm, litellm_mimo`, also timing the second import on its own.
IMPORT_BOTH = ("import time, litellm; start = time.perf_counter(); import litellm_mimo; "
               "print(time.perf_counter() - start)")


def run_python(code: str) -> tuple[float, str]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(), capture_output=True,
                          text=True, timeout=120, check=True)
    return time.perf_counter() - start, done.stdout


def bench_import(s: Settings) -> list[dict]:
    litellm_only, both, in_process = [], [], []
    for _ in range(s.import_runs):
        litellm_only.append(run_python(IMPORT_LITELLM)[0])
        seconds, out = run_python(IMPORT_BOTH)
        both.append(seconds)
        in_process.append(float(out.strip()))
    added_wall = median_ms(both) - median_ms(litellm_only)
    added_alone = median_ms(in_process)
    return [
        row("import", "fresh interpreter, wall: `import litellm, litellm_mimo` vs `import litellm` (baseline)",
            "ms", median_ms(both), raw=median_ms(litellm_only), runs=s.import_runs),
        # The verdict is on the in-process time: the wall-clock difference above carries the
        # run-to-run noise of a ~3.5 s `import litellm` (tens of ms even as a median of 11).
        row("import", "`import litellm_mimo` after `import litellm` (in process)", "ms", added_alone,
            target="< 50 ms added", met=added_alone < 50, added_wall_ms=added_wall),
    ]


# --- report ------------------------------------------------------------------------------------------


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "litellm": importlib.metadata.version("litellm"), "httpx": importlib.metadata.version("httpx"),
            "litellm_mimo": importlib.metadata.version("litellm-mimo"), "git_commit": commit}


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "req/s":
        return f"{value:.0f}"
    if unit == "× audio":
        return f"{value:.3f}×"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def markdown_table(rows: list[dict]) -> str:
    lines = ["| benchmark | unit | this package | built-in `xiaomi_mimo` | raw httpx (or baseline) | this / built-in | "
             "this − raw | target |",
             "|---|---|--:|--:|--:|--:|--:|---|"]
    for r in rows:
        ratio = "—" if r["this_over_builtin"] is None else f"{r['this_over_builtin']:.2f}"
        verdict = "" if r["met"] is None else (" ✅ met" if r["met"] else " ❌ missed")
        lines.append(f"| {r['group']}: {r['name']} | {r['unit']} | {_cell(r['this'], r['unit'])} | "
                     f"{_cell(r['builtin'], r['unit'])} | {_cell(r['raw'], r['unit'])} | {ratio} | "
                     f"{_cell(r['this_minus_raw'], r['unit'])} | {r['target']}{verdict} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few iterations (CI: keeps the benchmark running)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"where to write results ({DEFAULT_JSON})")
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    litellm.suppress_debug_info = True

    started, load_before = time.time(), os.getloadavg()
    if load_before[0] > 0.5:
        print(f"# warning: load average {load_before[0]:.2f} before starting: something else is running, "
              "timings will be noisy", file=sys.stderr)
    rows: list[dict] = []
    with Upstream() as upstream:
        sections = [
            ("chat, sync", lambda: bench_chat_sync(upstream.base_url, settings)),
            ("chat, async", lambda: asyncio.run(bench_chat_async(upstream.base_url, settings))),
            ("proxy", lambda: bench_proxy(upstream.base_url, settings)),
            ("audio", lambda: bench_audio(upstream.base_url, settings)),
            ("long audio", lambda: bench_long_audio(upstream.base_url, settings)),
            ("import", lambda: bench_import(settings)),
        ]
        for title, section in sections:
            section_start = time.monotonic()
            print(f"# {title} ...", file=sys.stderr, flush=True)
            rows += section()
            print(f"#   {time.monotonic() - section_start:.0f} s", file=sys.stderr, flush=True)

    result = {"mode": "quick" if args.quick else "full", "settings": settings.__dict__, "machine": machine_info(),
              "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
              "seconds": round(time.time() - started, 1),
              "loadavg_1min": {"before": load_before[0], "after": os.getloadavg()[0]}, "rows": rows}
    machine = result["machine"]
    print(f"\n{machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, LiteLLM {machine['litellm']}, "
          f"{result['mode']} run in {result['seconds']:.0f} s (medians; 1-min load average "
          f"{load_before[0]:.2f} before, {result['loadavg_1min']['after']:.2f} after, the run itself included)\n")
    print(markdown_table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
