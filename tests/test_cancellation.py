"""A caller that stops reading a stream stops MiMo's work: in code, closing the stream LiteLLM
returns closes MiMo's connection; through the proxy, a client that hangs up on a streaming chat or
speech makes the proxy hang up on MiMo. The stand-in's answer is a slow stream (15 s); the
bounds below are how soon the stand-in must see the hang-up, correctness bounds, not timings."""

import asyncio
import time

import httpx
import litellm
import pytest

from litellm_mimo.testing import AUTH

LONG = "long " + "word " * 300  # the stand-in echoes it one word per 50 ms: 15 s
HANG_UP_WITHIN = 2.0  # seconds


def hung_up_after(mimo, closed: float) -> float:
    """Seconds from the caller's close to the stand-in's seeing it (waits up to 10 s)."""
    deadline = time.monotonic() + 10
    while not mimo.hung_up and time.monotonic() < deadline:
        time.sleep(0.02)
    assert mimo.hung_up, "MiMo's stream was read to its end: the close did not reach it"
    return mimo.hung_up[0] - closed


def slow_stream_call(mimo) -> dict:
    mimo.faults_by_text["long word"] = ["slow"]
    return dict(model="xiaomi/mimo-v2.6-flash", messages=[{"role": "user", "content": LONG}], stream=True,
                thinking={"type": "disabled"}, api_base=mimo.url, api_key="k")


async def _first_words_then(stream, how: str) -> None:
    if how == "async with":
        async with stream:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    break
    else:
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                break
        await stream.aclose()


@pytest.mark.parametrize("how", ["async with", "aclose()"])
def test_closing_an_async_stream_closes_mimos_connection(mimo, how):
    async def run() -> float:
        stream = await litellm.acompletion(**slow_stream_call(mimo))
        await _first_words_then(stream, how)
        return time.monotonic()

    assert hung_up_after(mimo, asyncio.run(run())) < HANG_UP_WITHIN


@pytest.mark.parametrize("how", ["with", "close()"])
def test_closing_a_stream_closes_mimos_connection(mimo, how):
    stream = litellm.completion(**slow_stream_call(mimo))
    if how == "with":
        with stream:
            next(c for c in stream if c.choices and c.choices[0].delta.content)
    else:
        next(c for c in stream if c.choices and c.choices[0].delta.content)
        stream.close()
    assert hung_up_after(mimo, time.monotonic()) < HANG_UP_WITHIN


# --- through the proxy -------------------------------------------------------------------------------


def test_a_client_hanging_up_on_a_streaming_chat_closes_mimos_stream(proxy, mimo):
    mimo.faults_by_text["long word"] = ["slow"]
    with httpx.Client(base_url=proxy.url, headers=AUTH, timeout=30) as client:
        with client.stream("POST", "/v1/chat/completions", json={
                "model": "mimo-v2.6-flash", "messages": [{"role": "user", "content": LONG}], "stream": True}) as r:
            assert r.status_code == 200
            next(line for line in r.iter_lines() if '"content"' in line)
    assert hung_up_after(mimo, time.monotonic()) < HANG_UP_WITHIN


def test_a_client_hanging_up_on_a_streaming_speech_closes_its_pieces(proxy, mimo):
    """A long speech is many MiMo requests (pieces, 4 at a time, each a slow stream here): after the
    hang-up the pieces in flight are hung up on and no other starts."""
    text = "Sentence number one of many. " * 400  # 11,600 characters: 5 pieces (tts-long-texts allows it)
    mimo.faults_by_text["Sentence number"] = ["slow"] * 5
    mimo.tts_deltas = 100  # each piece's audio in 100 chunks, 50 ms apart: 5 s
    mimo.tts_silence = 48_000  # 2 s of audio per piece: the proxy sends speech on in 8 KiB chunks (LiteLLM)
    with httpx.Client(base_url=proxy.url, headers=AUTH, timeout=30) as client:
        with client.stream("POST", "/v1/audio/speech", json={
                "model": "tts-long-texts", "input": text, "response_format": "pcm"}) as r:
            assert r.status_code == 200
            next(r.iter_bytes())
        closed = time.monotonic()
    assert hung_up_after(mimo, closed) < HANG_UP_WITHIN
    time.sleep(HANG_UP_WITHIN)
    assert len(mimo.requests) == 4 and len(mimo.hung_up) == 4, (len(mimo.requests), len(mimo.hung_up))
    assert max(mimo.hung_up) - closed < HANG_UP_WITHIN
