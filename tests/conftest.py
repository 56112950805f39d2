"""Shared fixtures and helpers: MiMo played by the stand-in, the proxies, cassettes, and the one
table of the ways MiMo fails. Test modules import helpers from here, never from each other."""

import json
import os
import re

# The catalogue decides retirement by date: tests (and the proxies they start) live on one fixed
# day, so CI does not change colour the day an announced retirement date passes.
PINNED_TODAY = "2026-11-29"
os.environ["LITELLM_MIMO_TODAY"] = PINNED_TODAY

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import litellm
import pytest
import vcr
import yaml
from hypothesis import settings

# CI explores the same examples every run (a failure there is reproducible); locally, new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

import litellm_mimo
from litellm_mimo import credentials
from litellm_mimo.testing import Proxy, derived_config, free_port  # noqa: F401 (free_port: shared)
from mimo_standin import StandIn

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = ROOT / "proxy_config.yaml"  # as the README runs it (the package ships this file)

CASSETTES = ROOT / "cassettes"
AUDIO = ROOT / "tests" / "fixtures" / "audio"
KEY = "sk-" + "sharedstandinsecret" * 2  # the MiMo key the test proxies hold: it must show up nowhere
TIMEOUT = 1.5  # seconds of MiMo silence before a test proxy gives up; the stand-in's "timeout" fault waits 5
# The test proxy's limits on one request (litellm_mimo/limits.py), low enough to test both sides.
SPEECH_LIMIT, ASR_LIMIT_MB = 3000, 2
TOKEN_PLAN_KEY = "tp-" + "sgpstandinsecret" * 2  # answered only on the stand-in's sgp "host"


def token_plan_url(mimo) -> str:
    """XIAOMI_TOKEN_PLAN_URL pointing each region's Token Plan host at the stand-in."""
    return mimo.url.removesuffix("/v1") + "/{region}/v1"
REAL_API_BASE = "https://api.xiaomimimo.com/v1"
# How cassettes are made: unset = replay only ("none"); "standin" = record against the local
# stand-in; "real" = record against the real API with XIAOMI_API_KEY (tests/README.md).
RECORD = os.environ.get("MIMO_RECORD", "")


# --- the ways MiMo fails -----------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str  # the stand-in's X-Standin-Fault / queued fault
    exception: type  # what a caller in code gets
    status: int  # what a client of the proxy gets
    words: str  # what the message must say
    routes: tuple[str, ...] = ("chat",)  # where the fault is exercised in the fault matrix


FAULTS = {f.name: f for f in (
    Fault("400-param", litellm.BadRequestError, 400, "reasoning_content in the thinking mode must be passed back"),
    Fault("400-invalid", litellm.BadRequestError, 400, "Invalid request parameters"),
    Fault("400-json", litellm.BadRequestError, 400, "Invalid JSON in request body"),
    Fault("400-context", litellm.ContextWindowExceededError, 400, "context length"),
    Fault("401", litellm.AuthenticationError, 401, "Invalid API Key"),
    Fault("402", litellm.PaymentRequiredError, 402, "balance is insufficient"),
    Fault("403", litellm.PermissionDeniedError, 403, "Illegal access"),
    Fault("404", litellm.NotFoundError, 404, "404 Not Found"),
    Fault("421", litellm.ContentPolicyViolationError, 400, "content moderation"),
    Fault("441", litellm.ContentPolicyViolationError, 400, "risk control"),
    Fault("429", litellm.RateLimitError, 429, "Too many requests", ("chat", "speech")),
    Fault("500", litellm.InternalServerError, 500, "Internal server error"),
    Fault("503", litellm.ServiceUnavailableError, 503, "overloaded", ("chat", "transcription")),
    Fault("timeout", litellm.Timeout, 408, "did not answer within the timeout"),
    Fault("notjson", litellm.APIError, 502, "not JSON"),
    Fault("truncated", litellm.APIError, 502, "not JSON"),
    Fault("nochoices", litellm.APIError, 502, "no choices"),
    Fault("noaudio", litellm.APIError, 502, "carried no audio", ("speech",)),
    Fault("badaudio", litellm.APIError, 502, "not valid base64", ("speech",)),
)}


README_BLOCK = re.compile(r"<!-- (readme: [\w-]+|test-command) -->\n```(\w+)\n(.*?)```", re.S)


def readme_blocks(kind: str | None = None) -> list[tuple[str, str, str]]:
    """The README's code blocks, as (marker, language, code), of one marker or all."""
    found = [m.groups() for m in README_BLOCK.finditer((ROOT / "README.md").read_text())]
    return [b for b in found if kind is None or b[0] == kind]


def assert_openai_error(response, status: int, words: str) -> dict:
    """A proxy's error answer: that status, OpenAI's error shape with a type, the words in its
    message, and neither a traceback nor the MiMo key."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["type"] and error["type"] != "None", error
    assert words.lower() in error["message"].lower(), error
    assert "Traceback" not in response.text and KEY not in response.text
    return error


# --- cassettes ------------------------------------------------------------------------------


def _json_body(request) -> object:
    body = request.body or b""
    try:
        return json.loads(body)
    except ValueError:
        return body


def match_json_body(r1, r2) -> None:
    """Bodies are compared as JSON, so a replay fails if what MiMo would receive changed."""
    assert _json_body(r1) == _json_body(r2), f"request body differs:\n{_json_body(r1)}\n!=\n{_json_body(r2)}"


def _scrub_response(response: dict) -> dict:
    for header in ("set-cookie", "Set-Cookie"):
        response["headers"].pop(header, None)
    return response


recorder = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="all" if RECORD else "none",
    match_on=["method", "path", "json_body"],
    filter_headers=["authorization", "api-key"],
    before_record_response=_scrub_response,
    decode_compressed_response=True,
)
recorder.register_matcher("json_body", match_json_body)


def creds(mimo_api: dict) -> dict:
    return {"api_base": mimo_api["api_base"], "api_key": mimo_api["api_key"]}


def sent(cassette, index: int = -1) -> dict:
    """What MiMo received, as the cassette recorded it."""
    return json.loads(cassette.requests[index].body)


def recorded_body(cassette, index: int = -1) -> str:
    body = cassette.responses[index]["body"]["string"]
    return body.decode() if isinstance(body, bytes) else body


def answer(cassette, index: int = -1) -> dict:
    """What MiMo answered, as the cassette recorded it."""
    return json.loads(recorded_body(cassette, index))


def stream_events(cassette, index: int = -1) -> list[dict]:
    return [json.loads(line[len("data: "):]) for line in recorded_body(cassette, index).splitlines()
            if line.startswith("data: ") and line != "data: [DONE]"]


def cassette_precondition(condition: bool, what: str) -> None:
    """A fact about the recording itself, checked so that the behaviour asserted after it means
    something (e.g. that MiMo did send cached tokens); a failure here is a bad cassette, not a bug."""
    assert condition, f"cassette precondition: {what}"


@pytest.fixture
def mimo_api():
    """Where cassette tests send requests: the real API or the stand-in when recording, and
    an address nothing listens on when replaying (vcrpy answers; hosts are not matched)."""
    if RECORD == "real":
        key = os.environ.get("XIAOMI_API_KEY")
        if not key:
            pytest.skip("MIMO_RECORD=real needs XIAOMI_API_KEY")
        yield {"api_base": os.environ.get("XIAOMI_API_BASE", REAL_API_BASE), "api_key": key, "real": True}
    elif RECORD == "standin":
        with StandIn() as mimo:
            yield {"api_base": mimo.url, "api_key": "test-key", "real": False}
    else:
        yield {"api_base": "http://127.0.0.1:9/v1", "api_key": "test-key", "real": False}


@pytest.fixture
def standin_only(mimo_api):
    """For cassettes of faults only the stand-in can produce (X-Standin-Fault)."""
    if mimo_api["real"]:
        pytest.skip("this cassette needs the stand-in's fault injection")


# --- MiMo played by the stand-in, and the proxies in front of it --------------------------------


@pytest.fixture(scope="session")
def _mimo_session():
    with StandIn() as mimo:
        # MiMo's own model list names a model launched after this release, and a retired one.
        mimo.listed_models += ["mimo-v2.7-flash", "mimo-v2.5"]
        yield mimo


@pytest.fixture
def mimo(_mimo_session):
    """The stand-in (one per run), as fresh as a new one: no requests, faults or delays left."""
    _mimo_session.reset()
    yield _mimo_session
    _mimo_session.reset()


@pytest.fixture(scope="session")
def _proxy_session(_mimo_session, tmp_path_factory):
    calls = tmp_path_factory.mktemp("proxy") / "calls.jsonl"
    config = derived_config(
        extra_settings={"callbacks": ["litellm_mimo.testing.callback.recorder"], "request_timeout": TIMEOUT},
        router_settings={"num_retries": 0},  # LiteLLM's cooldowns stay on: what users run
    )
    config["model_list"] += [
        # A deployment whose upstream id differs from its name (clients that need `[1m]` stripped).
        {"model_name": "mimo-v2.6-pro-1m-stripped", "litellm_params": {
            "model": "xiaomi/mimo-v2.6-pro[1m]", "upstream_model": "mimo-v2.6-pro", "api_key": "os.environ/XIAOMI_API_KEY"}},
        # TTS with its own, higher limit on the text of one request.
        {"model_name": "tts-long-texts", "litellm_params": {
            "model": "xiaomi/mimo-v2.5-tts", "max_speech_chars": SPEECH_LIMIT * 4, "api_key": "os.environ/XIAOMI_API_KEY"}},
        # A Token Plan key on the pay-as-you-go host (refused before sending).
        {"model_name": "tp-on-the-default-host", "litellm_params": {
            "model": "xiaomi/mimo-v2.6-flash", "api_key": TOKEN_PLAN_KEY, "api_base": credentials.DEFAULT_API_BASE}},
        # The README's Token Plan deployments as written (chat, and speech whose inner calls must
        # inherit the region), their key in MIMO_TP_KEY below. The stand-in plays the sgp host.
        *(d for _, _, code in readme_blocks("readme: deployments") for d in yaml.safe_load(code)),
        # ASR at a contract price, given where LiteLLM users give prices: the deployment's model_info.
        {"model_name": "asr-contract", "model_info": {"input_cost_per_second": 0.01},
         "litellm_params": {"model": "xiaomi/mimo-v2.5-asr", "api_key": "os.environ/XIAOMI_API_KEY"}},
    ]
    env = {"PYTHONPATH": str(ROOT), "PROXY_CALLBACK_LOG": str(calls), "XIAOMI_MODELS": "mimo-v2.7-pro[1m]",
           "XIAOMI_API_KEY": KEY, "XIAOMI_MAX_SPEECH_CHARS": str(SPEECH_LIMIT),
           "XIAOMI_MAX_TRANSCRIPTION_MB": str(ASR_LIMIT_MB),
           "XIAOMI_AUDIO_PIECE_RETRIES": "0",  # a fault reaches the client as it is (the fault matrix)
           "XIAOMI_TOKEN_PLAN_URL": token_plan_url(_mimo_session), "MIMO_TP_KEY": TOKEN_PLAN_KEY}
    with Proxy(_mimo_session.url, config=config, env=env) as proxy:
        proxy.calls = calls
        yield proxy


@pytest.fixture
def proxy(_proxy_session, mimo):
    """The proxy most tests use (one per run): the shipped config plus test deployments, no
    retries (the Router's nor a piece's), a short timeout, low limits on one request, a callback
    logging each call to ``proxy.calls``. LiteLLM's cooldowns are on: a test must not make MiMo
    answer 401 or 404 for a bare model id (the `xiaomi/*` wildcard is never cooled down)."""
    _proxy_session.calls.write_text("")
    return _proxy_session


@pytest.fixture(scope="session")
def _shipped_session():
    with StandIn() as mimo, Proxy(mimo.url, config=SHIPPED_CONFIG, cwd=ROOT) as proxy:
        yield SimpleNamespace(mimo=mimo, proxy=proxy)


@pytest.fixture
def shipped(_shipped_session):
    """The shipped proxy_config.yaml unchanged, started from the repository as the README does
    (LiteLLM's default retries and cooldowns on), MiMo played by its own stand-in; one per run.
    A test on it must leave no deployment cooling down: that is what these tests prove."""
    _shipped_session.mimo.reset()
    return _shipped_session


# Tests that start LiteLLM's proxy, marked so that `-m "not proxy"` is the in-code suite (CI runs it
# on LiteLLM versions whose [proxy] extra does not install here). Marked by the fixtures they use;
# a test that starts a proxy itself carries the mark by hand.
PROXY_FIXTURES = {"proxy", "retrying_proxy", "shipped", "tryout", "fleet"}


def pytest_collection_modifyitems(items):
    for item in items:
        if PROXY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.proxy)


@pytest.fixture(autouse=True)
def _registered():
    """Every test starts with the package registered and LiteLLM's global knobs untouched."""
    litellm_mimo.register()
    drop_params = litellm.drop_params
    yield
    litellm.drop_params = drop_params
    litellm_mimo.register()
