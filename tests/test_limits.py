"""Bounded work per request: speech input and transcription audio have limits (defaults,
per call, per deployment, by environment), refused with a 400 before any MiMo request; the
proxy refuses an oversized body with a 413 before parsing it."""

import io

import httpx
import litellm
import pytest

from litellm_mimo import audiofile, limits, settings, speech
from tests.conftest import ASR_LIMIT_MB, SPEECH_LIMIT, assert_openai_error
from litellm_mimo.testing import AUTH
from mimo_standin import pcm_for_text

TTS, ASR = "xiaomi/mimo-v2.5-tts", "xiaomi/mimo-v2.5-asr"


def speak(mimo, text: str, **kwargs):
    return litellm.speech(model=TTS, input=text, response_format="pcm", api_base=mimo.url, api_key="k", **kwargs)


def text_of(length: int) -> str:
    return ("A short sentence. " * (length // 18 + 1))[:length]


def test_speech_just_under_the_default_limit_works(mimo):
    text = text_of(settings.SPEECH_CHARS[2])
    assert len(speak(mimo, text).content) > 0
    assert len(mimo.requests) == len(speech.split_text(text)) == 41  # about 40 pieces


def test_speech_just_over_the_default_limit_sends_nothing(mimo):
    with pytest.raises(litellm.BadRequestError) as caught:
        speak(mimo, text_of(settings.SPEECH_CHARS[2] + 1))
    message = str(caught.value)
    assert "input is 100,001 characters; speech takes at most 100,000" in message
    assert "max_speech_chars" in message and "XIAOMI_MAX_SPEECH_CHARS" in message
    assert caught.value.type == "invalid_request_error" and mimo.requests == []


@pytest.mark.parametrize("per_call,env,length,allowed", [
    (30, None, 30, True), (30, None, 31, False),
    (None, "40", 40, True), (None, "40", 41, False),
    (200_000, "40", 150_000, True),  # the call's own limit wins over the environment's
])
def test_the_speech_limit_can_be_set_per_call_and_by_environment(mimo, monkeypatch, per_call, env, length, allowed):
    if env:
        monkeypatch.setenv("XIAOMI_MAX_SPEECH_CHARS", env)
    call = dict(max_speech_chars=per_call) if per_call else {}
    if allowed:
        speak(mimo, text_of(length), **call).read()
        assert mimo.requests and all("max_speech_chars" not in r["body"] for r in mimo.requests)
    else:
        with pytest.raises(litellm.BadRequestError, match=f"at most {per_call or int(env)}"):
            speak(mimo, text_of(length), **call)
        assert mimo.requests == []


@pytest.mark.parametrize("value", [0, -5, "lots", True])
def test_a_limit_that_is_not_positive_is_refused_not_unlimited(mimo, monkeypatch, value):
    with pytest.raises(litellm.BadRequestError, match="is not a limit: give a positive number"):
        speak(mimo, "Hello.", max_speech_chars=value)
    monkeypatch.setenv("XIAOMI_MAX_TRANSCRIPTION_MB", str(value))
    with pytest.raises(litellm.BadRequestError, match="XIAOMI_MAX_TRANSCRIPTION_MB=.* is not a limit"):
        litellm.transcription(model=ASR, file=audiofile.wav_file(b"\0\0" * 100), api_base=mimo.url, api_key="k")
    assert mimo.requests == []


def wav_of(size: int) -> bytes:
    return audiofile.wav_file(pcm_for_text("limit").ljust(size - audiofile.WAV_HEADER_SIZE, b"\0"))


@pytest.mark.parametrize("size,allowed", [(100_000, True), (100_001, False)])
def test_transcription_just_under_and_over_a_limit(mimo, size, allowed):
    call = dict(model=ASR, file=wav_of(size), max_transcription_mb=0.1, api_base=mimo.url, api_key="k")
    if allowed:
        assert litellm.transcription(**call).text == "limit"
        assert len(mimo.requests) == 1
    else:
        with pytest.raises(litellm.BadRequestError, match=r"the audio is 0\.1 MB; transcription takes at most 0\.1 MB"):
            litellm.transcription(**call)
        assert mimo.requests == []


class Unread(io.FileIO):
    """A file whose read() must not happen."""

    def read(self, *args):
        raise AssertionError("read before its size was checked")


def test_a_file_over_the_default_limit_is_refused_before_it_is_read(mimo, tmp_path):
    big = tmp_path / "big.wav"
    with open(big, "wb") as f:
        f.truncate(settings.TRANSCRIPTION_MB[2] * limits.MB + 1)  # sparse: no 500 MB written
    with Unread(big, "rb") as f, pytest.raises(litellm.BadRequestError, match="at most 500 MB"):
        litellm.transcription(model=ASR, file=f, api_base=mimo.url, api_key="k")
    with pytest.raises(litellm.BadRequestError, match="at most 500 MB"):
        litellm.transcription(model=ASR, file=big, api_base=mimo.url, api_key="k")  # a path: its size from stat
    assert mimo.requests == []


# --- through the proxy (its environment sets low limits: conftest) --------------------------------


def post(proxy, route: str, headers: dict | None = None, **kwargs) -> httpx.Response:
    return httpx.post(f"{proxy.url}{route}", headers={**AUTH, **(headers or {})},
                      timeout=60, **kwargs)


@pytest.mark.parametrize("model,length,status", [
    ("mimo-v2.5-tts", SPEECH_LIMIT, 200),
    ("mimo-v2.5-tts", SPEECH_LIMIT + 1, 400),
    ("tts-long-texts", SPEECH_LIMIT * 2, 200),  # a deployment's own limit
    ("tts-long-texts", SPEECH_LIMIT * 4 + 1, 400),
])
def test_speech_limits_through_the_proxy(proxy, mimo, model, length, status):
    response = post(proxy, "/v1/audio/speech", json={"model": model, "input": text_of(length), "response_format": "pcm"})
    if status == 200:
        assert response.status_code == 200 and mimo.requests
    else:
        assert assert_openai_error(response, 400, "speech takes at most")["type"] == "invalid_request_error"
        assert mimo.requests == []


@pytest.mark.parametrize("megabytes,status,words", [
    (ASR_LIMIT_MB - 0.1, 200, None),
    (ASR_LIMIT_MB + 0.1, 400, f"transcription takes at most {ASR_LIMIT_MB:g} MB"),
    (ASR_LIMIT_MB + 1.5, 413, "this proxy reads at most"),  # over the body limit: refused before parsing
])
def test_transcription_limits_through_the_proxy(proxy, mimo, megabytes, status, words):
    audio = wav_of(int(megabytes * limits.MB))
    response = post(proxy, "/v1/audio/transcriptions", data={"model": "mimo-v2.5-asr"},
                    files={"file": ("long.wav", audio, "audio/wav")})
    if status == 200:
        assert response.status_code == 200, response.text
    else:
        assert assert_openai_error(response, status, words)["type"] == "invalid_request_error"
        assert mimo.requests == []


def test_a_chunked_body_over_the_limit_is_a_413(proxy, mimo):
    def body():  # no Content-Length: the proxy cannot know the size before reading
        for _ in range(int(ASR_LIMIT_MB) + 3):
            yield b"x" * limits.MB

    response = post(proxy, "/v1/chat/completions", content=body(), headers={"Content-Type": "application/json"})
    assert_openai_error(response, 413, "this proxy reads at most")
    assert mimo.requests == []


@pytest.mark.parametrize("route,body,name", [
    ("/v1/audio/speech", {"model": "mimo-v2.5-tts", "input": "Hi.", "max_speech_chars": 10**9}, "max_speech_chars"),
    ("/v1/audio/speech", {"model": "mimo-v2.5-tts", "input": "Hi.", "audio_concurrency": 100, "piece_retries": 50},
     "audio_concurrency, piece_retries"),
    ("/v1/chat/completions", {"model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": "Hi"}],
                              "region": "cn"}, "region"),
    ("/v1/chat/completions", {"model": "mimo-v2.6-flash", "messages": [{"role": "user", "content": "Hi"}],
                              "upstream_model": "mimo-v2.6-pro"}, "upstream_model"),
])
def test_a_client_cannot_set_what_the_deployment_decides(proxy, mimo, route, body, name):
    """LiteLLM's Router lets a body's keys override a deployment's litellm_params."""
    for _ in range(2):  # a 400, not a cooldown
        assert_openai_error(post(proxy, route, json=body), 400, f"{name} are settings of the proxy's deployment"
                            if "," in name else f"{name} is a setting of the proxy's deployment")
    assert mimo.requests == []


def test_a_transcription_form_cannot_lift_its_limit(proxy, mimo):
    response = post(proxy, "/v1/audio/transcriptions", data={"model": "mimo-v2.5-asr", "max_transcription_mb": "9999"},
                    files={"file": ("a.wav", wav_of(1000), "audio/wav")})
    assert_openai_error(response, 400, "max_transcription_mb is a setting of the proxy's deployment")
    assert mimo.requests == []
