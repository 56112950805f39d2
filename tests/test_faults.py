"""The fault matrix: every way MiMo fails (docs/mimo-api.md), in-process and through the proxy.

For each fault: the right LiteLLM exception (proxy: HTTP status and OpenAI error shape with
`error.type`), MiMo's reason in the message, no hang, no traceback, no key; transient faults
retried by `num_retries` (in code) and by the Router (proxy), client errors not retried by the
Router, and MiMo's `Retry-After` respected.
"""

import json
import time

import httpx
import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError

from litellm_mimo import retries
from tests.conftest import AUDIO, FAULTS, KEY, TIMEOUT, Proxy, assert_openai_error, derived_config, free_port
from litellm_mimo.testing import AUTH

HI = [{"role": "user", "content": "Hi"}]
# Every fault on every route it concerns: (fault, route).
MATRIX = [(fault, route) for fault in FAULTS.values() for route in fault.routes]
MATRIX_IDS = [f"{route}-{fault.name}" for fault, route in MATRIX]
STREAM_MATRIX = [
    # (fault, in code: exception, and the original inside MidStreamFallbackError if wrapped, words)
    ("sse-error", litellm.BadRequestError, None, "stream request rejected"),
    ("cut", MidStreamFallbackError, litellm.APIConnectionError, "stream ended before the answer was complete"),
    ("instream-error", MidStreamFallbackError, litellm.InternalServerError, "Internal error during generation"),
]


def call_in_code(route: str, mimo):
    # max_retries=0: speech and transcription retry each piece twice by default (test_audio_pieces.py)
    common = dict(api_base=mimo.url, api_key=KEY, timeout=TIMEOUT, max_retries=0)
    if route == "chat":
        return litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, **common)
    if route == "speech":
        return litellm.speech(model="xiaomi/mimo-v2.5-tts", input="Hi.", **common)
    return litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=(AUDIO / "good-morning.mp3").read_bytes(), **common)


@pytest.mark.parametrize("fault,route", MATRIX, ids=MATRIX_IDS)
def test_in_code(mimo, fault, route):
    mimo.queued_faults = [fault.name]
    started = time.monotonic()
    with pytest.raises(fault.exception) as caught:
        call_in_code(route, mimo)
    assert time.monotonic() - started < TIMEOUT + 3  # bounded by the request timeout: nothing hangs
    assert fault.words.lower() in str(caught.value).lower()
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)


@pytest.mark.parametrize("fault,exc_class,original,words", STREAM_MATRIX, ids=[m[0] for m in STREAM_MATRIX])
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_stream_faults_in_code(mimo, fault, exc_class, original, words, asynchronous):
    mimo.queued_faults = [fault]
    kwargs = dict(model="xiaomi/mimo-v2.6-pro", messages=HI, stream=True, api_base=mimo.url, api_key=KEY, timeout=TIMEOUT)
    with pytest.raises(exc_class, match=words) as caught:
        if asynchronous:
            [chunk async for chunk in await litellm.acompletion(**kwargs)]
        else:
            list(litellm.completion(**kwargs))
    if original is not None:
        assert isinstance(caught.value.original_exception, original)


def test_refused_connection_in_code():
    with pytest.raises(litellm.APIConnectionError, match="Could not reach MiMo"):
        litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, api_base=f"http://127.0.0.1:{free_port()}/v1",
                           api_key=KEY)


@pytest.mark.parametrize("fault", ["429", "500", "503", "timeout"])
def test_num_retries_recovers_from_transient_faults(mimo, fault):
    mimo.queued_faults = [fault]
    r = litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, api_base=mimo.url, api_key=KEY,
                           timeout=TIMEOUT, num_retries=1)
    assert r.choices[0].message.content == "Echo: Hi"
    assert len(mimo.requests) == 2


@pytest.fixture
def quick_backoff(monkeypatch, mimo):
    """Retries wait 0.5 s doubling, or MiMo's Retry-After: cut both short where only counts matter."""
    monkeypatch.setattr(retries, "INITIAL_DELAY", 0.01)
    mimo.retry_after = "0"
    yield
    mimo.retry_after = "1"


async def call_route(route: str, mimo, **kwargs):
    common = dict(api_base=mimo.url, api_key=KEY, timeout=TIMEOUT, **kwargs)
    if route == "completion":
        return litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, **common).choices[0].message.content
    if route == "acompletion":
        return (await litellm.acompletion(model="xiaomi/mimo-v2.6-pro", messages=HI, **common)).choices[0].message.content
    if route == "stream":
        chunks = list(litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, stream=True, **common))
        return litellm.stream_chunk_builder(chunks).choices[0].message.content
    if route == "astream":
        chunks = [c async for c in await litellm.acompletion(model="xiaomi/mimo-v2.6-pro", messages=HI, stream=True, **common)]
        return litellm.stream_chunk_builder(chunks).choices[0].message.content
    if route == "speech":
        return "Echo: Hi" if litellm.speech(model="xiaomi/mimo-v2.5-tts", input="Hi.", **common).content[:4] == b"RIFF" else None
    return "Echo: Hi" if litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=(AUDIO / "good-morning.mp3").read_bytes(),
                                               **common).text.startswith("Good morning") else None


@pytest.mark.parametrize("route", ["completion", "acompletion", "stream", "astream", "speech", "transcription"])
@pytest.mark.parametrize("fault", ["429", "500", "503", "reset"])
async def test_max_retries_retries_transient_faults_as_openai_does(mimo, quick_backoff, fault, route):
    mimo.queued_faults = [fault, fault]
    assert await call_route(route, mimo, max_retries=2) == "Echo: Hi"
    assert len(mimo.requests) == 3


@pytest.mark.parametrize("fault,exc_class", [("400-invalid", litellm.BadRequestError), ("401", litellm.AuthenticationError),
                                             ("403", litellm.PermissionDeniedError), ("404", litellm.NotFoundError)])
async def test_max_retries_never_retries_what_would_fail_again(mimo, quick_backoff, fault, exc_class):
    mimo.queued_faults = [fault]
    with pytest.raises(exc_class):
        await call_route("completion", mimo, max_retries=2)
    assert len(mimo.requests) == 1


def test_max_retries_gives_up_with_the_last_error(mimo, quick_backoff):
    mimo.queued_faults = ["503"] * 3
    with pytest.raises(litellm.ServiceUnavailableError):
        litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, api_base=mimo.url, api_key=KEY, max_retries=2)
    assert len(mimo.requests) == 3


@pytest.mark.parametrize("retry_after", [None, "2"])
def test_max_retries_waits_for_retry_after(mimo, retry_after):
    """MiMo's Retry-After sets the wait; without it the first retry comes after at most 0.5 s."""
    mimo.retry_after = retry_after
    mimo.queued_faults = ["429"]
    try:
        litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, api_base=mimo.url, api_key=KEY, max_retries=1)
    finally:
        mimo.retry_after = "1"
    first, second = (r["time"] for r in mimo.requests)
    assert (second - first >= 2.0) if retry_after else (second - first < 1.0)


@pytest.mark.parametrize("value", [-1, "2", 1.5, True])
def test_an_invalid_max_retries_is_refused_before_sending(mimo, value):
    with pytest.raises(litellm.BadRequestError, match="give an integer >= 0"):
        litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, api_base=mimo.url, api_key=KEY, max_retries=value)
    assert mimo.requests == []


# --- through the proxy ---------------------------------------------------------------------------


def post(proxy, route: str) -> httpx.Response:
    if route == "chat":  # the wildcard, which LiteLLM never cools down (MiMo's 401 and 404 would)
        return httpx.post(f"{proxy.url}/v1/chat/completions", headers=AUTH, timeout=30,
                          json={"model": "xiaomi/mimo-v2.6-pro", "messages": HI})
    if route == "speech":
        return httpx.post(f"{proxy.url}/v1/audio/speech", headers=AUTH, timeout=30,
                          json={"model": "mimo-v2.5-tts", "input": "Hi.", "voice": "alloy"})
    return httpx.post(f"{proxy.url}/v1/audio/transcriptions", headers=AUTH, timeout=30,
                      data={"model": "mimo-v2.5-asr"}, files={"file": ("a.mp3", (AUDIO / "good-morning.mp3").read_bytes())})


@pytest.mark.parametrize("fault,route", MATRIX, ids=MATRIX_IDS)
def test_through_the_proxy(proxy, mimo, fault, route):
    mimo.queued_faults = [fault.name]
    started = time.monotonic()
    response = post(proxy, route)
    assert time.monotonic() - started < TIMEOUT + 3  # the proxy's timeout ended it, not the stand-in's 5 s stall
    assert_openai_error(response, fault.status, fault.words)
    assert len(mimo.requests) == 1  # the Router passes max_retries=0: its own retries are the only ones


def test_sse_framed_error_through_the_proxy(proxy, mimo):
    mimo.queued_faults = ["sse-error"]
    response = httpx.post(f"{proxy.url}/v1/chat/completions", headers=AUTH,
                          json={"model": "mimo-v2.6-pro", "messages": HI, "stream": True}, timeout=30)
    assert_openai_error(response, 400, "stream request rejected")


@pytest.mark.parametrize("fault,words", [("cut", "stream ended before the answer was complete"),
                                         ("instream-error", "Internal error during generation")])
def test_mid_stream_faults_end_the_proxy_stream_with_an_error_event(proxy, mimo, fault, words):
    mimo.queued_faults = [fault]
    with httpx.stream("POST", f"{proxy.url}/v1/chat/completions", headers=AUTH,
                      json={"model": "mimo-v2.6-pro", "messages": HI, "stream": True}, timeout=30) as response:
        events = [line[len("data: "):] for line in response.iter_lines() if line.startswith("data: ")]
    errors = [json.loads(e)["error"] for e in events if e != "[DONE]" and "error" in json.loads(e)]
    assert len(errors) == 1 and words in errors[0]["message"]
    assert errors[0]["type"] == "internal_server_error"  # OpenAI's type for a 500, as the chat route gives
    assert "Traceback" not in json.dumps(errors) and KEY not in json.dumps(errors)


@pytest.fixture(scope="module")
def _retrying_proxy(_mimo_session):
    config = derived_config(extra_settings={"request_timeout": TIMEOUT},
                            router_settings={"num_retries": 2, "disable_cooldowns": True, "retry_after": 0})
    with Proxy(_mimo_session.url, config=config, env={"XIAOMI_API_KEY": KEY}) as running:
        yield running


@pytest.fixture
def retrying_proxy(_retrying_proxy, mimo):
    """A proxy whose Router retries twice (the shipped default), on the shared stand-in."""
    return _retrying_proxy


@pytest.mark.parametrize("route", ["chat", "speech", "transcription"])
@pytest.mark.parametrize("fault", ["429", "500", "503", "timeout", "reset"])
def test_router_retries_transient_faults_on_every_route(retrying_proxy, mimo, fault, route):
    mimo.queued_faults = [fault]
    response = post(retrying_proxy, route)
    assert response.status_code == 200, response.text
    assert len(mimo.requests) == 2


@pytest.mark.parametrize("fault", ["429", "500", "503", "timeout", "reset"])
def test_same_fault_same_answer_on_every_route(proxy, mimo, fault):
    """MiMo failing the same way gives chat, speech and transcription the same status and type."""
    answers = {}
    for route in ("chat", "speech", "transcription"):
        mimo.queued_faults = [fault]
        response = post(proxy, route)
        answers[route] = (response.status_code, response.json()["error"]["type"])
    assert len(set(answers.values())) == 1, answers
    assert answers["chat"][0] >= 408


@pytest.mark.parametrize("fault,status", [("400-invalid", 400), ("401", 401), ("403", 403), ("404", 404)])
def test_router_does_not_retry_client_errors(retrying_proxy, mimo, fault, status):
    mimo.queued_faults = [fault]
    assert post(retrying_proxy, "chat").status_code == status
    assert len(mimo.requests) == 1


@pytest.mark.parametrize("retry_after", [None, "3"])
def test_router_waits_for_retry_after(retrying_proxy, mimo, retry_after):
    """With `Retry-After: 3` the retry comes no sooner than 3 s; without it, the Router's own
    backoff (about 1 s here) applies: so the wait is MiMo's header, not a coincidence."""
    mimo.retry_after = retry_after
    mimo.queued_faults = ["429"]
    try:
        response = post(retrying_proxy, "chat")
    finally:
        mimo.retry_after = "1"
    assert response.status_code == 200
    first, second = (r["time"] for r in mimo.requests)
    if retry_after:
        assert second - first >= 3.0
    else:
        assert second - first < 3.0


def test_retry_after_given_as_an_http_date_is_honoured():
    import email.utils
    from datetime import datetime, timedelta, timezone

    from litellm_mimo import retries

    soon = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 28 <= retries.delay(0, {"retry-after": soon}) <= 30
    past = email.utils.format_datetime(datetime.now(timezone.utc) - timedelta(seconds=30), usegmt=True)
    assert retries.delay(0, {"retry-after": past}) == 0
    later = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    assert retries.delay(0, {"retry-after": later}) <= retries.MAX_DELAY  # beyond a minute: the usual backoff
