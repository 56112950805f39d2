"""Chat in code: ``litellm.completion`` and ``acompletion``, whole and streamed (200 chunks), with
this package, LiteLLM's built-in ``xiaomi_mimo`` provider and a raw pooled httpx client, side by
side against the same upstream."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import litellm

import litellm_mimo  # noqa: F401  (registers the provider "xiaomi")
from benchmarks.measure import (API_KEY, BUILTIN, MESSAGES, MODEL, THIS, Settings, ainterleave, atimed, expect,
                                interleave, median_ms, spread_ms, timed)
from benchmarks.report import time_row
from benchmarks.upstream import CHAT_CONTENT, stream_texts


STREAM_CHUNKS = 200


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
