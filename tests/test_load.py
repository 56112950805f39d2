"""Load through the proxy on the shipped config: a few hundred concurrent mixed requests from many clients, each with
a unique marker the stand-in echoes back (chat text, stream text, the samples of the synthesized
audio, the samples of the audio to transcribe). Zero failures and no cross-talk. Bounded in count
and time, loopback only."""

import asyncio
import io
import json
import random
import wave

import httpx
import pytest

from tests.proxy import MASTER_KEY
from tests.standin import pcm_for_text, text_in_pcm, wav_bytes

pytestmark = pytest.mark.proxy

REQUESTS = 320
CLIENTS = 32
CONCURRENCY = 64
DEADLINE = 240  # seconds for the whole run


async def chat(client: httpx.AsyncClient, marker: str) -> str:
    r = await client.post("/v1/chat/completions", json={"model": "mimo-v2.6-pro", "messages": [
        {"role": "user", "content": marker}], "thinking": {"type": "disabled"}})
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"].removeprefix("Echo: ")


async def stream(client: httpx.AsyncClient, marker: str) -> str:
    text = ""
    async with client.stream("POST", "/v1/chat/completions", json={
            "model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": marker}], "stream": True}) as r:
        r.raise_for_status()
        async for line in r.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                event = json.loads(line[len("data: "):])
                assert "error" not in event, event
                if event.get("choices"):
                    text += event["choices"][0]["delta"].get("content") or ""
    return text.removeprefix("Echo: ")


async def speech(client: httpx.AsyncClient, marker: str) -> str:
    r = await client.post("/v1/audio/speech", json={"model": "mimo-v2.5-tts", "input": marker, "voice": "alloy"})
    r.raise_for_status()
    with wave.open(io.BytesIO(r.content)) as w:
        return text_in_pcm(w.readframes(w.getnframes()))


async def transcription(client: httpx.AsyncClient, marker: str) -> str:
    audio = wav_bytes(pcm_for_text(marker))
    r = await client.post("/v1/audio/transcriptions", data={"model": "mimo-v2.5-asr"},
                          files={"file": ("m.wav", audio, "audio/wav")})
    r.raise_for_status()
    return r.json()["text"]


KINDS = [chat, stream, speech, transcription]


def test_mixed_concurrent_load_has_no_failures_and_no_cross_talk(shipped):
    results = asyncio.run(asyncio.wait_for(run_load(shipped.proxy.url), DEADLINE))
    sent = len(shipped.mimo.requests)
    failures = [r for r in results if r[2] is not None]
    assert not failures, (len(failures), failures[:5])
    assert sent == REQUESTS
    mismatched = [(kind, marker, got) for kind, marker, _, got in results if got != marker]
    assert not mismatched, mismatched[:5]
    assert {kind for kind, *_ in results} == {k.__name__ for k in KINDS}


async def run_load(base_url: str) -> list[tuple]:
    rng = random.Random(7)
    clients = [httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {MASTER_KEY}"},
                                 timeout=60) for _ in range(CLIENTS)]
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> tuple:
        kind = KINDS[i % len(KINDS)]
        marker = f"marker-{i}-{rng.randrange(10**9)}"
        async with limit:
            try:
                got = await kind(clients[i % CLIENTS], marker)
                return kind.__name__, marker, None, got
            except Exception as exc:  # collected, reported by the test
                return kind.__name__, marker, repr(exc), None

    try:
        return await asyncio.gather(*(one(i) for i in range(REQUESTS)))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
