"""A fast local MiMo stand-in for benchmarks: ``POST /v1/chat/completions`` answered at once
(or after ``X-Bench-Delay`` seconds), in MiMo's wire format (docs/mimo-api.md), with no checks
and no faults.

- chat: the official example body (``reasoning_content``, ``usage``); with ``X-Bench-Tool-Call``,
  a tool-call turn instead (one ``get_weather`` call and ``TOOL_REASONING``); with ``"stream": true``,
  the official transcript's framing: ``X-Bench-Chunks`` delta chunks (default 200: a role chunk,
  reasoning, then content), a finish chunk, a usage chunk with empty ``choices``, ``[DONE]``;
- models ending in ``-tts``: ``choices[0].message.audio.data`` = base64 of a WAV of
  ``X-Bench-Seconds`` seconds (default 30) of 24 kHz 16-bit mono silence; with ``"stream": true``,
  the same seconds as pcm16 in one ``delta.audio`` (MiMo's streaming TTS today);
- ``mimo-v2.5-asr``: a short transcript, ``usage.seconds`` computed from the data URL's size.

Bodies are built once per shape and cached. Each answer is one ``Response`` with a
Content-Length, streams included, so the client's time is what a benchmark measures
(a ``http.server`` stand-in adds ~40 ms per request: docs/litellm-internals.md).

    python -m benchmarks.upstream --port 8998      # 127.0.0.1 only
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from litellm_mimo.audiofile import SAMPLE_RATE, wav_file

ROOT = Path(__file__).resolve().parent.parent
BYTES_PER_SECOND = SAMPLE_RATE * 2
RESPONSE_ID = "2b92b0964c9b4335bffad7c2f75cfe9e"
CREATED = 1781233054
TRANSCRIPT = "Good morning. Could you tell me what the weather will be like today?"
CHAT_CONTENT = "Machine learning is a field of AI in which systems learn patterns from data."
DEFAULT_CHUNKS = 200
TOOL_CALL = {"id": "call_8f3a2b1c9d7e4f60a1b2c3d4", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'}}
TOOL_REASONING = ("The user asks about the weather in Paris. I cannot know today's weather myself, so I should call "
                  "the get_weather tool with the city, in celsius since the user writes from Europe. ") * 5  # ~1,000 chars
DEFAULT_SECONDS = 30


def _json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _completion(model: str, message: dict, usage: dict) -> bytes:
    return _json({"id": RESPONSE_ID, "choices": [{"finish_reason": "stop", "index": 0, "message": message}],
                  "created": CREATED, "model": model, "object": "chat.completion", "usage": usage})


@functools.lru_cache(maxsize=64)
def chat_body(model: str) -> bytes:
    message = {"content": CHAT_CONTENT, "role": "assistant", "tool_calls": None,
               "reasoning_content": "Hmm, the user wants a short definition of machine learning."}
    usage = {"completion_tokens": 171, "prompt_tokens": 60, "total_tokens": 231,
             "completion_tokens_details": {"reasoning_tokens": 110}, "prompt_tokens_details": {}}
    return _completion(model, message, usage)


@functools.lru_cache(maxsize=64)
def tool_call_body(model: str) -> bytes:
    message = {"content": "", "role": "assistant", "tool_calls": [TOOL_CALL],
               "reasoning_content": TOOL_REASONING}
    usage = {"completion_tokens": 260, "prompt_tokens": 120, "total_tokens": 380,
             "completion_tokens_details": {"reasoning_tokens": 230}, "prompt_tokens_details": {}}
    return _json({"id": RESPONSE_ID, "choices": [{"finish_reason": "tool_calls", "index": 0, "message": message}],
                  "created": CREATED, "model": model, "object": "chat.completion", "usage": usage})


def stream_split(chunks: int) -> tuple[int, int]:
    """How many of a stream's ``chunks`` delta events carry reasoning and how many content
    (the first event is the role chunk)."""
    reasoning = max(0, (chunks - 1) // 4)
    return reasoning, chunks - 1 - reasoning


def stream_texts(chunks: int) -> tuple[str, str]:
    """The reasoning and the content a stream of ``chunks`` delta events spells out."""
    reasoning, content = stream_split(chunks)
    return "".join(f"thought {i} " for i in range(reasoning)), "".join(f"word{i} " for i in range(content))


@functools.lru_cache(maxsize=64)
def stream_body(model: str, chunks: int) -> bytes:
    """``chunks`` delta events (a role chunk, a quarter reasoning, the rest content), then the
    finish chunk, the usage chunk and ``[DONE]``."""
    def event(delta: dict, finish_reason: str | None = None, **extra) -> bytes:
        full_delta = {"content": None, "role": None, "tool_calls": None, "reasoning_content": None, **delta}
        return b"data: " + _json({"id": RESPONSE_ID, "choices": [{"delta": full_delta, "finish_reason": finish_reason,
                                                                   "index": 0}],
                                  "created": CREATED, "model": model, "object": "chat.completion.chunk",
                                  **extra}) + b"\n\n"

    reasoning, content = stream_split(chunks)
    events = [event({"content": "", "role": "assistant"})]
    events += [event({"reasoning_content": f"thought {i} "}) for i in range(reasoning)]
    events += [event({"content": f"word{i} "}) for i in range(content)]
    events.append(event({}, "stop", usage=None))
    usage = {"completion_tokens": chunks, "prompt_tokens": 61, "total_tokens": chunks + 61,
             "completion_tokens_details": {"reasoning_tokens": reasoning}, "prompt_tokens_details": {}}
    events.append(b"data: " + _json({"id": RESPONSE_ID, "choices": [], "created": CREATED, "model": model,
                                     "object": "chat.completion.chunk", "usage": usage}) + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return b"".join(events)


def silent_wav(seconds: float) -> bytes:
    return wav_file(b"\x00\x00" * int(SAMPLE_RATE * seconds))


@functools.lru_cache(maxsize=8)
def tts_body(model: str, seconds: float) -> bytes:
    audio = {"id": "audio_" + RESPONSE_ID, "data": base64.b64encode(silent_wav(seconds)).decode(),
             "expires_at": None, "transcript": None}
    usage = {"completion_tokens": int(seconds * 25), "prompt_tokens": 20, "total_tokens": int(seconds * 25) + 20,
             "completion_tokens_details": {"reasoning_tokens": 0}, "prompt_tokens_details": {}}
    return _completion(model, {"content": "", "role": "assistant", "tool_calls": None, "audio": audio}, usage)


def asr_body(model: str, audio_seconds: int) -> bytes:
    message = {"content": TRANSCRIPT, "role": "assistant", "audio": None, "tool_calls": None, "audio_tokens": []}
    usage = {"completion_tokens": 20, "prompt_tokens": 6 * audio_seconds + 22,
             "total_tokens": 6 * audio_seconds + 42, "completion_tokens_details": {"reasoning_tokens": 0},
             "prompt_tokens_details": {"audio_tokens": 6 * audio_seconds, "cached_tokens": 0},
             "seconds": audio_seconds}
    return _completion(model, message, usage)


def _data_url_seconds(body: dict) -> int:
    # Estimated from the base64 length (24 kHz 16-bit mono assumed): decoding megabytes of
    # audio here would put the stand-in's own time into every ASR measurement.
    try:
        data_url = body["messages"][0]["content"][0]["input_audio"]["data"]
    except (KeyError, IndexError, TypeError):
        return 0
    return max(1, round(len(data_url) * 3 // 4 / BYTES_PER_SECOND))


@functools.lru_cache(maxsize=8)
def tts_stream_body(model: str, seconds: float) -> bytes:
    """Streaming TTS as MiMo sends it today ("compatibility mode"): all the pcm16 in one delta."""
    head = {"id": RESPONSE_ID, "created": CREATED, "model": model, "object": "chat.completion.chunk"}
    pcm = base64.b64encode(b"\x00\x00" * int(SAMPLE_RATE * seconds)).decode()
    events = [{**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]},
              {**head, "choices": [{"index": 0, "delta": {"audio": {"id": "audio_1", "data": pcm}}, "finish_reason": None}]},
              {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
              {**head, "choices": [], "usage": {"completion_tokens": int(seconds * 25), "prompt_tokens": 20,
                                                "total_tokens": int(seconds * 25) + 20}}]
    return b"".join(b"data: " + _json(e) + b"\n\n" for e in events) + b"data: [DONE]\n\n"


async def chat_completions(request: Request) -> Response:
    body = json.loads(await request.body())
    model = body.get("model", "")
    await asyncio.sleep(float(request.headers.get("x-bench-delay", 0)))  # a MiMo that takes its time
    if model.endswith("-tts"):
        seconds = float(request.headers.get("x-bench-seconds", DEFAULT_SECONDS))
        if body.get("stream"):
            return Response(tts_stream_body(model, seconds), media_type="text/event-stream")
        return Response(tts_body(model, seconds), media_type="application/json")
    if model.endswith("-asr"):
        return Response(asr_body(model, _data_url_seconds(body)), media_type="application/json")
    if body.get("stream"):
        chunks = int(request.headers.get("x-bench-chunks", DEFAULT_CHUNKS))
        return Response(stream_body(model, chunks), media_type="text/event-stream")
    if request.headers.get("x-bench-tool-call"):
        return Response(tool_call_body(model), media_type="application/json")
    return Response(chat_body(model), media_type="application/json")


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


app = Starlette(routes=[Route("/v1/chat/completions", chat_completions, methods=["POST"]),
                        Route("/health", health)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Upstream:
    """``with Upstream() as upstream: upstream.base_url`` runs this module in a subprocess on a
    free 127.0.0.1 port and always stops it by its PID."""

    def __init__(self, startup_timeout: float = 30) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.base_url = self.url + "/v1"
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    def start(self) -> "Upstream":
        self.process = subprocess.Popen([sys.executable, "-m", "benchmarks.upstream", "--port", str(self.port)],
                                        cwd=ROOT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"benchmark upstream exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"benchmark upstream not up after {self.startup_timeout}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def __enter__(self) -> "Upstream":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8998)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
                loop="uvloop", http="h11", lifespan="off")


if __name__ == "__main__":
    main()
