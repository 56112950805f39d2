"""Long audio at the speed of one request: pieces sent concurrently (at most N at a time) and
joined in order, one failing piece failing the call, each piece retried on a transient failure,
and speech streamed: its first bytes out before the last piece is even asked for, in code and
through the proxy. Nothing is timed for speed: times here are correctness bounds."""

import asyncio
import io
import struct
import time
import wave

import httpx
import litellm
import openai
import pytest

from litellm_mimo import audiofile, pieces
from tests.conftest import AUDIO
from litellm_mimo.testing import AUTH, MASTER_KEY
from mimo_standin import text_in_pcm

TTS, ASR = "xiaomi/mimo-v2.5-tts", "xiaomi/mimo-v2.5-asr"
# Eight sentences of ~2,400 characters: the splitter makes each one piece (Xiaomi's advice: ~2,500).
SENTENCES = [f"Piece number {i} " + "and so on " * 238 + "the end." for i in range(8)]
TEXT = " ".join(SENTENCES)


def speak(mimo, **kwargs):
    return litellm.speech(model=TTS, input=TEXT, api_base=mimo.url, api_key="k", **kwargs)


@pytest.mark.parametrize("fmt", ["pcm", "wav", "mp3"])
def test_pieces_are_joined_in_their_order_whatever_order_they_finish_in(mimo, fmt):
    # The first piece is held 0.5 s (the stand-in's "timeout" waits X-Standin-Delay, then answers):
    # pieces 2 to 4, sent with it, finish first.
    mimo.tts_deltas, mimo.faults_by_text = 3, {"Piece number 0 ": ["timeout"]}
    r = speak(mimo, response_format=fmt, audio_concurrency=4, headers={"X-Standin-Delay": "0.5"})
    audio = r.content
    asked = {req["body"]["messages"][-1]["content"]: req["time"] for req in mimo.requests}
    assert len(mimo.requests) == 8 and set(asked) == set(SENTENCES)  # each piece asked once
    # No fifth piece is asked until piece 1 is handed on: pieces go out in their order, not as they
    # finish (what the mp3 case can show: the stand-in answers every mp3 piece with one fixed clip).
    assert sorted(asked.values())[4] - asked[SENTENCES[0]] >= 0.5
    if fmt == "mp3":
        assert audio == (AUDIO / "good-morning.mp3").read_bytes() * 8
        return
    if fmt == "wav":  # one WAV header (read by the standard library), sized for all the samples after it
        with wave.open(io.BytesIO(audio)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 24000)
            pcm = w.readframes(w.getnframes())
            assert audio.count(b"RIFF") == 1 and w.getnframes() * 2 == len(pcm) == len(audio) - 44
    else:
        pcm = audio
    assert text_in_pcm(pcm) == TEXT  # every piece, in the text's order


@pytest.mark.parametrize("window", [1, 3])
def test_at_most_n_pieces_are_sent_at_once(mimo, window):
    mimo.delay = 0.2
    speak(mimo, response_format="pcm", audio_concurrency=window).read()
    assert mimo.max_active == window  # they overlap, never more than N


def test_sync_calls_reuse_their_connections_to_mimo(mimo):
    """Pieces run on a shared pool's threads, each with its pooled client, and a call of one piece
    runs in the caller's thread: calls after the first reuse connections (a client, and its TLS
    set-up, per call made a 30 s speech cost 4x raw httpx: benchmarks/README.md)."""
    for _ in range(40):  # 80 pieces; a thread per call would be at least 40 connections
        litellm.speech(model=TTS, input=" ".join(SENTENCES[:2]), api_base=mimo.url, api_key="k",
                       audio_concurrency=2).read()
    assert len(mimo.requests) == 80
    assert len({request["peer"] for request in mimo.requests}) <= pieces.POOL_THREADS
    mimo.requests.clear()
    for _ in range(2):
        litellm.speech(model=TTS, input="One piece.", api_base=mimo.url, api_key="k").read()
    assert mimo.requests[0]["peer"] == mimo.requests[1]["peer"]


def test_the_environment_sets_the_default_concurrency(mimo, monkeypatch):
    monkeypatch.setenv("XIAOMI_AUDIO_CONCURRENCY", "2")
    mimo.delay = 0.2
    speak(mimo, response_format="pcm").read()
    assert mimo.max_active == 2


async def test_transcription_pieces_run_concurrently_too(mimo):
    mimo.delay = 0.3
    clip = AUDIO.joinpath("good-morning.mp3").read_bytes()
    audio = clip * (25_000_000 // len(clip))  # 25 MB of mp3: four pieces of at most 7.5 MB
    r = await litellm.atranscription(model=ASR, file=("long.mp3", audio), api_base=mimo.url, api_key="k",
                                     audio_concurrency=4)
    assert r._hidden_params["pieces"] == len(mimo.requests) == 4
    assert mimo.max_active == 4


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_a_failing_piece_fails_the_call_at_once_naming_it(mimo, asynchronous):
    """Piece 2 fails at once while pieces 1, 3 and 4 take 4 s: the call fails without waiting
    for them (in well under half that, a first call's set-up included), and pieces 5 to 8 are
    never started."""
    mimo.delay = 4
    mimo.faults_by_text = {"Piece number 1 ": ["400-invalid"]}
    started = time.monotonic()
    with pytest.raises(litellm.BadRequestError, match="Piece 2 of 8 failed: .*Invalid request parameters"):
        if asynchronous:
            await litellm.aspeech(model=TTS, input=TEXT, api_base=mimo.url, api_key="k", audio_concurrency=4)
        else:
            speak(mimo, audio_concurrency=4)
    assert time.monotonic() - started < 2  # in-flight async pieces cancelled; sync ones left to run out
    asked = {req["body"]["messages"][-1]["content"] for req in mimo.requests}
    assert asked <= set(SENTENCES[:4])  # never started


def test_a_piece_failing_after_audio_was_handed_on_ends_the_stream_with_the_error(mimo):
    mimo.faults_by_text = {"Piece number 5 ": ["400-invalid"]}
    r = speak(mimo, response_format="pcm", audio_concurrency=2, stream=True)  # piece 1 is fine: the call returns
    received = []
    with pytest.raises(litellm.BadRequestError, match="Piece 6 of 8 failed"):
        for chunk in r.iter_bytes():
            received.append(chunk)
    assert text_in_pcm(b"".join(received)).startswith(SENTENCES[0])  # what came before the failure


async def test_a_sync_call_works_inside_a_running_event_loop(mimo):
    assert asyncio.get_running_loop().is_running()
    r = speak(mimo, response_format="pcm", audio_concurrency=4)  # a notebook, an async app
    assert text_in_pcm(r.content) == TEXT


@pytest.mark.parametrize("fault", ["503", "429", "reset"])
def test_a_piece_is_retried_on_a_transient_failure_waiting_for_retry_after(mimo, fault):
    mimo.retry_after = "1"
    mimo.faults_by_text = {"Piece number 3 ": [fault]}
    speak(mimo, response_format="pcm").read()
    tries = [req for req in mimo.requests if "Piece number 3 " in req["body"]["messages"][-1]["content"]]
    assert len(tries) == 2 and len(mimo.requests) == 9
    if fault == "429":
        assert tries[1]["time"] - tries[0]["time"] >= 1.0


@pytest.mark.parametrize("env,call,tries", [
    ("0", {}, 1),  # the environment turns them off
    ("0", {"piece_retries": 2}, 3),  # a call's (or a deployment's) setting before the environment's
    (None, {"piece_retries": 1}, 2),
    (None, {"max_retries": 1}, 2),  # in code, the caller's max_retries is the number for each piece
])
def test_piece_retries_are_set_per_call_or_by_environment(mimo, monkeypatch, env, call, tries):
    if env is not None:
        monkeypatch.setenv("XIAOMI_AUDIO_PIECE_RETRIES", env)
    mimo.faults_by_text = {"Piece number 3 ": ["503"] * 3}  # more than any of these retries
    with pytest.raises(litellm.ServiceUnavailableError, match="Piece 4 of 8"):
        speak(mimo, response_format="pcm", **call).read()
    assert len([r for r in mimo.requests if "Piece number 3 " in r["body"]["messages"][-1]["content"]]) == tries


@pytest.mark.parametrize("setting,value", [("audio_concurrency", 0), ("audio_concurrency", "many"),
                                           ("max_retries", -1), ("piece_retries", "x")])
def test_bad_settings_are_refused_before_sending(mimo, setting, value):
    with pytest.raises(litellm.BadRequestError, match=f"{setting}={value!r}: give a whole number"):
        speak(mimo, **{setting: value})
    assert mimo.requests == []


# --- streaming speech -------------------------------------------------------------------------


def first_bytes_and_last_request(mimo, chunks) -> tuple[float, float]:
    first = None
    for chunk in chunks:
        if chunk and first is None:
            first = time.monotonic()
    last_piece = [r["time"] for r in mimo.requests if "Piece number 7 " in r["body"]["messages"][-1]["content"]]
    return first, last_piece[0]


def test_in_code_the_first_piece_is_heard_before_the_last_is_asked_for(mimo):
    mimo.delay = 0.5
    r = speak(mimo, response_format="wav", audio_concurrency=2, stream=True)
    first, last_asked = first_bytes_and_last_request(mimo, r.iter_bytes())
    assert first < last_asked  # 8 pieces, 2 at a time: the last is asked for after three rounds
    assert mimo.requests[0]["body"]["stream"] is True and mimo.requests[0]["body"]["audio"]["format"] == "pcm16"


async def test_async_streaming_when_asked_for(mimo):
    mimo.delay = 0.5
    r = await litellm.aspeech(model=TTS, input=TEXT, api_base=mimo.url, api_key="k", response_format="wav",
                              audio_concurrency=2, stream=True)
    first = None
    async for chunk in await r.aiter_bytes():
        first = first or (chunk and time.monotonic())
    last_asked = [q["time"] for q in mimo.requests if "Piece number 7 " in q["body"]["messages"][-1]["content"]][0]
    assert first < last_asked


def test_a_streamed_wav_says_its_length_is_unknown_and_a_read_one_has_it_exact(mimo):
    streamed = b"".join(speak(mimo, response_format="wav", stream=True).iter_bytes())
    assert struct.unpack_from("<I", streamed, 40)[0] == audiofile.STREAMED
    assert struct.unpack_from("<I", speak(mimo, response_format="wav", stream=True).read(), 40)[0] != audiofile.STREAMED
    whole = speak(mimo, response_format="wav").content
    assert struct.unpack_from("<II", whole, 4)[0] == len(whole) - 8 and whole[44:] == streamed[44:]
    with wave.open(io.BytesIO(whole)) as w:
        assert w.getnframes() == (len(whole) - 44) // 2


@pytest.mark.parametrize("stream", [False, True])
def test_write_to_file_gives_the_exact_header(mimo, tmp_path, stream):
    speak(mimo, response_format="wav", stream=stream).write_to_file(tmp_path / "speech.wav")
    data = (tmp_path / "speech.wav").read_bytes()
    assert struct.unpack_from("<I", data, 40)[0] == len(data) - 44


def test_one_wav_piece_is_asked_for_whole(mimo):
    r = litellm.speech(model=TTS, input="Short.", api_base=mimo.url, api_key="k")
    assert mimo.requests[0]["body"]["audio"] == {"format": "wav"} and "stream" not in mimo.requests[0]["body"]
    assert struct.unpack_from("<I", r.content, 40)[0] == len(r.content) - 44


def test_streamed_audio_split_mid_sample_is_joined_whole(mimo):
    mimo.tts_deltas = 7  # odd byte counts in each delta
    r = litellm.speech(model=TTS, input="Odd bytes in every delta.", response_format="pcm", api_base=mimo.url, api_key="k")
    assert text_in_pcm(r.content) == "Odd bytes in every delta."


def test_the_proxy_sends_the_first_piece_before_the_last_is_asked_for(shipped):
    shipped.mimo.delay = 0.3
    client = openai.OpenAI(base_url=f"{shipped.proxy.url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=60)
    with client.audio.speech.with_streaming_response.create(model="mimo-v2.5-tts", input=TEXT, voice="alloy",
                                                            response_format="pcm") as response:
        first, last_asked = first_bytes_and_last_request(shipped.mimo, response.iter_bytes())
    assert first < last_asked
    assert 1 < shipped.mimo.max_active <= 4  # the default: 4 at a time


def test_the_proxy_retries_a_piece_itself(shipped):
    """The Router removes num_retries before it calls aspeech and cannot retry a stream whose bytes
    are out: the package retries the piece, before any of its bytes go out."""
    shipped.mimo.faults_by_text = {"Piece number 6 ": ["503"]}
    response = httpx.post(f"{shipped.proxy.url}/v1/audio/speech", headers=AUTH,
                          json={"model": "mimo-v2.5-tts", "input": TEXT, "response_format": "pcm"}, timeout=60)
    assert response.status_code == 200
    assert text_in_pcm(response.content) == TEXT
    assert len(shipped.mimo.requests) == 9
