import json
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no internet: never fetch the price map
# The catalogue decides retirement by date: tests (and the proxies they start) live on one fixed
# day, so CI does not change colour the day an announced retirement date passes.
PINNED_TODAY = "2026-11-29"
os.environ["LITELLM_MIMO_TODAY"] = PINNED_TODAY

from pathlib import Path
from types import SimpleNamespace

import litellm
import pytest
import vcr
from hypothesis import settings

# CI explores the same examples every run (a failure there is reproducible); locally, new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

import litellm_mimo
from tests.proxy import SHIPPED_CONFIG, Proxy
from tests.standin import StandIn

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
REAL_API_BASE = "https://api.xiaomimimo.com/v1"
# How cassettes are made: unset = replay only ("none"); "standin" = record against the local
# stand-in; "real" = record against the real API with XIAOMI_API_KEY (README, "Re-recording").
RECORD = os.environ.get("MIMO_RECORD", "")


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


# Tests that start LiteLLM's proxy, marked so that `-m "not proxy"` is the in-code suite (CI runs it
# on LiteLLM versions whose [proxy] extra does not install here). Marked by the fixtures they use;
# a test that starts a proxy itself carries the mark by hand.
PROXY_FIXTURES = {"proxy", "retrying_proxy", "shipped", "tryout"}


def pytest_collection_modifyitems(items):
    for item in items:
        if PROXY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.proxy)


@pytest.fixture
def standin():
    with StandIn() as mimo:
        yield mimo


@pytest.fixture
def mimo_api(request):
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


@pytest.fixture(autouse=True)
def _registered():
    """Every test starts with the package registered and LiteLLM's global knobs untouched."""
    litellm_mimo.register()
    drop_params = litellm.drop_params
    yield
    litellm.drop_params = drop_params
    litellm_mimo.register()


@pytest.fixture(scope="session")
def _shipped_session():
    with StandIn() as mimo, Proxy(mimo.url, config=SHIPPED_CONFIG, cwd=ROOT) as proxy:
        yield SimpleNamespace(mimo=mimo, proxy=proxy)


@pytest.fixture
def shipped(_shipped_session):
    """The shipped proxy_config.yaml unchanged, started from the repository as the README does
    (LiteLLM's default retries and cooldowns on), MiMo played by a stand-in; started once per run.
    A test on it must leave no deployment cooling down: that is what these tests prove."""
    _shipped_session.mimo.requests.clear()
    _shipped_session.mimo.queued_faults.clear()
    return _shipped_session
