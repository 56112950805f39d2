"""End to end: the real LiteLLM proxy (a subprocess on 127.0.0.1) on proxy_config.yaml, MiMo
played by the stand-in, driven with the official `openai` client."""

import io
import json
import shutil
import time
import wave
from pathlib import Path

import httpx
import openai
import pytest

from tests.proxy import MASTER_KEY, ROOT, SHIPPED_CONFIG, Proxy, derived_config
from tests.standin import StandIn

AUDIO = Path(__file__).parent / "fixtures" / "audio"
HI = [{"role": "user", "content": "Hi proxy"}]
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


@pytest.fixture(scope="module")
def mimo():
    with StandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def callback_log(tmp_path_factory):
    return tmp_path_factory.mktemp("proxy") / "calls.jsonl"


@pytest.fixture(scope="module")
def proxy(mimo, callback_log):
    config = derived_config(
        extra_settings={"callbacks": ["tests.proxy_callback.recorder"]},
        router_settings={"num_retries": 0, "disable_cooldowns": True},
    )
    # A deployment whose upstream id differs from its name (clients that need `[1m]` stripped).
    config["model_list"].append({"model_name": "mimo-v2.6-pro-1m-stripped", "litellm_params": {
        "model": "xiaomi/mimo-v2.6-pro[1m]", "upstream_model": "mimo-v2.6-pro", "api_key": "os.environ/XIAOMI_API_KEY"}})
    env = {"PYTHONPATH": str(ROOT), "PROXY_CALLBACK_LOG": str(callback_log), "XIAOMI_MODELS": "mimo-v2.7-pro[1m]"}
    with Proxy(mimo.url, config=config, env=env) as running:
        yield running


@pytest.fixture
def client(proxy, mimo):
    mimo.requests.clear()
    mimo.queued_faults.clear()
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=30)


def raw_post(proxy, path: str, **kwargs) -> httpx.Response:
    return httpx.post(f"{proxy.url}{path}", headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=30, **kwargs)


# --- chat ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["mimo-v2.6-pro", "xiaomi/mimo-v2.6-pro"])
def test_chat_bare_and_prefixed_ids(client, mimo, model):
    raw = client.chat.completions.with_raw_response.create(model=model, messages=HI)
    r = raw.parse()
    assert r.choices[0].message.content == "Echo: Hi proxy"
    assert r.choices[0].message.model_extra["reasoning_content"] == "The user said 'Hi proxy'; I will answer."
    body = mimo.requests[0]["body"]
    assert (body["model"], body["messages"], body.get("stream", False)) == ("mimo-v2.6-pro", HI, False)
    assert set(body) <= {"model", "messages", "stream"}
    assert float(raw.headers["x-litellm-response-cost"]) == pytest.approx(
        r.usage.prompt_tokens * 0.435e-6 + r.usage.completion_tokens * 0.87e-6)


def test_chat_stream_with_reasoning_deltas_and_mimos_usage(client, mimo):
    chunks = list(client.chat.completions.create(model="mimo-v2.6-pro", messages=HI, stream=True,
                                                 stream_options={"include_usage": True}))
    reasoning = "".join(c.choices[0].delta.model_extra.get("reasoning_content") or "" for c in chunks if c.choices)
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert reasoning == "The user said 'Hi proxy'; I will answer."
    assert content == "Echo: Hi proxy"
    usage = [c.usage for c in chunks if c.usage]
    assert len(usage) == 1
    counted = mimo.requests[0]["usage"]  # MiMo's counts, not a re-count by LiteLLM
    assert (usage[0].prompt_tokens, usage[0].completion_tokens) == (counted["prompt_tokens"], counted["completion_tokens"])
    assert mimo.requests[0]["body"]["stream"] is True


def test_chat_tools(client, mimo):
    r = client.chat.completions.create(model="mimo-v2.6-flash", messages=[{"role": "user", "content": "Paris"}],
                                       tools=[WEATHER_TOOL])
    call = r.choices[0].message.tool_calls[0]
    assert (call.function.name, json.loads(call.function.arguments)) == ("get_weather", {"city": "Paris"})
    assert r.choices[0].finish_reason == "tool_calls"
    assert mimo.requests[0]["body"]["tools"] == [WEATHER_TOOL]


def test_chat_thinking_disabled_through_extra_body(client, mimo):
    r = client.chat.completions.create(model="mimo-v2.6-pro", messages=HI, extra_body={"thinking": {"type": "disabled"}})
    assert mimo.requests[0]["body"]["thinking"] == {"type": "disabled"}
    assert "reasoning_content" not in (r.choices[0].message.model_extra or {})


def test_deployment_can_override_the_upstream_id(client, mimo):
    client.chat.completions.create(model="mimo-v2.6-pro-1m-stripped", messages=HI)
    assert mimo.requests[0]["body"]["model"] == "mimo-v2.6-pro"
    assert "upstream_model" not in mimo.requests[0]["body"]


# --- audio --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt,content_type", [("wav", "audio/wav"), ("pcm", "audio/pcm"), ("mp3", "audio/mpeg")])
def test_speech_formats(client, mimo, fmt, content_type):
    r = client.audio.speech.create(model="mimo-v2.5-tts", input="Hello proxy.", voice="alloy", response_format=fmt,
                                   instructions="Warm and slow.")
    body = mimo.requests[0]["body"]
    assert body["messages"] == [{"role": "user", "content": "Warm and slow."},
                                {"role": "assistant", "content": "Hello proxy."}]
    assert body["audio"] == {"format": {"pcm": "pcm16"}.get(fmt, fmt), "voice": "mimo_default"}
    assert r.response.headers["content-type"].startswith(content_type)
    if fmt == "wav":
        with wave.open(io.BytesIO(r.content)) as w:
            assert (w.getframerate(), w.getnchannels()) == (24000, 1)
    elif fmt == "mp3":
        assert r.content[:2] == b"\xff\xf3"
    else:
        assert len(r.content) % 2 == 0 and r.content[:4] != b"RIFF"


def test_speech_preset_voice(client, mimo):
    client.audio.speech.create(model="xiaomi/mimo-v2.5-tts", input="Hi.", voice="Chloe")
    assert mimo.requests[0]["body"]["audio"]["voice"] == "Chloe"


def test_transcription_json_with_language_and_temperature(client, mimo):
    with open(AUDIO / "good-morning-24k.wav", "rb") as f:
        r = client.audio.transcriptions.create(model="mimo-v2.5-asr", file=f, language="en-US", temperature=0.2)
    assert r.text == "Good morning. Could you tell me what the weather will be like today?"
    body = mimo.requests[0]["body"]
    assert body["asr_options"] == {"language": "en"} and body["temperature"] == 0.2
    assert body["messages"][0]["content"][0]["input_audio"]["data"].startswith("data:audio/wav;base64,UklGR")


def test_transcription_text_is_a_plain_text_body(proxy, mimo, client):
    with open(AUDIO / "good-morning.mp3", "rb") as f:
        response = raw_post(proxy, "/v1/audio/transcriptions", files={"file": ("clip.mp3", f)},
                            data={"model": "mimo-v2.5-asr", "response_format": "text"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Good morning. Could you tell me what the weather will be like today?"
    assert mimo.requests[0]["body"]["messages"][0]["content"][0]["input_audio"]["data"].startswith("data:audio/mpeg;")


# --- models and embeddings ----------------------------------------------------------------------


def test_models_lists_bare_ids_1m_ids_and_xiaomi_models(client):
    ids = {m.id for m in client.models.list().data}
    assert {"mimo-v2.6-pro", "mimo-v2.5-tts", "mimo-v2.5-asr", "mimo-v2.6-pro[1m]", "mimo-v2.5-pro[1m]"} <= ids
    assert {"xiaomi/mimo-v2.6-pro", "xiaomi/mimo-v2.6-pro[1m]", "xiaomi/mimo-v2.7-pro[1m]"} <= ids


def test_xiaomi_models_id_is_routable(client, mimo):
    with pytest.raises(openai.BadRequestError, match=r"Unsupported model mimo-v2.7-pro\[1m\]"):
        client.chat.completions.create(model="xiaomi/mimo-v2.7-pro[1m]", messages=HI)  # unknown to the stand-in
    assert mimo.requests[0]["body"]["model"] == "mimo-v2.7-pro[1m]"  # but routed and sent


def test_embeddings_are_a_400(client, mimo):
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="mimo-v2.6-pro", input="x")
    assert caught.value.body["type"] == "invalid_request_error"
    assert "MiMo has no embeddings" in caught.value.body["message"]
    assert mimo.requests == []


# --- errors -------------------------------------------------------------------------------------


ERRORS = [
    # (queued stand-in fault, HTTP status the client sees, words in the message)
    ("400-invalid", 400, "Invalid request parameters"),
    ("401", 401, "Invalid API Key"),
    ("402", 402, "balance is insufficient"),
    ("403", 403, "Illegal access"),
    ("404", 404, "404 Not Found"),
    ("421", 400, "content moderation"),
    ("441", 400, "risk control"),
    ("429", 429, "Too many requests"),
    ("500", 500, "Internal server error"),
    ("503", 503, "overloaded"),
]


def assert_openai_error(response: httpx.Response, status: int, words: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert words.lower() in error["message"].lower()
    assert error["type"], error  # never null
    assert "Traceback" not in response.text and "test-key" not in response.text
    return error


@pytest.mark.parametrize("fault,status,words", ERRORS, ids=[e[0] for e in ERRORS])
def test_chat_errors_in_openai_shape(proxy, mimo, client, fault, status, words):
    mimo.queued_faults = [fault]
    response = raw_post(proxy, "/v1/chat/completions", json={"model": "mimo-v2.6-pro", "messages": HI})
    assert_openai_error(response, status, words)


@pytest.mark.parametrize("fault,status,words", [e for e in ERRORS if e[0] in ("400-invalid", "429", "503")])
def test_audio_route_errors_in_openai_shape(proxy, mimo, client, fault, status, words):
    mimo.queued_faults = [fault]
    response = raw_post(proxy, "/v1/audio/speech", json={"model": "mimo-v2.5-tts", "input": "x", "voice": "alloy"})
    assert_openai_error(response, status, words)


@pytest.mark.parametrize("route,payload,words", [
    ("/v1/audio/speech", {"model": "mimo-v2.5-tts", "input": "x", "voice": "alloy", "response_format": "opus"}, "wav, mp3, pcm"),
    ("/v1/audio/speech", {"model": "mimo-v2.5-tts", "input": "x", "voice": "alloy", "speed": 1.5}, "instructions"),
    ("/v1/audio/speech", {"model": "mimo-v2.5-tts", "input": "x", "voice": "Zeus"}, "not a MiMo voice"),
    ("/v1/audio/speech", {"model": "mimo-v2.5-tts-voiceclone", "input": "x", "voice": "/etc/passwd"}, "data URL"),
])
def test_bad_speech_input_is_invalid_request_error(proxy, mimo, client, route, payload, words):
    error = assert_openai_error(raw_post(proxy, route, json=payload), 400, words)
    assert error["type"] == "invalid_request_error"
    assert mimo.requests == []


@pytest.mark.parametrize("data,file,words", [
    ({"model": "mimo-v2.5-asr"}, ("a.flac", b"fLaC" + b"\0" * 64), "MiMo accepts wav and mp3"),
    ({"model": "mimo-v2.5-asr", "language": "fr"}, ("a.wav", (AUDIO / "good-morning-24k.wav").read_bytes()), "auto, zh, en"),
    ({"model": "mimo-v2.5-asr", "response_format": "srt"}, ("a.wav", (AUDIO / "good-morning-24k.wav").read_bytes()), "json, text"),
])
def test_bad_transcription_input_is_invalid_request_error(proxy, mimo, client, data, file, words):
    response = raw_post(proxy, "/v1/audio/transcriptions", data=data, files={"file": file})
    error = assert_openai_error(response, 400, words)
    assert error["type"] == "invalid_request_error"
    assert mimo.requests == []


# --- cost and attribution -----------------------------------------------------------------------


def test_every_route_is_logged_at_its_price_for_the_calling_key(proxy, client, callback_log):
    callback_log.write_text("")
    client.chat.completions.create(model="mimo-v2.6-pro", messages=HI)
    client.audio.speech.create(model="mimo-v2.5-tts", input="Cost me.", voice="alloy")
    with open(AUDIO / "good-morning-24k.wav", "rb") as f:
        client.audio.transcriptions.create(model="mimo-v2.5-asr", file=f)
    records = []
    for _ in range(100):  # logging runs after the response is sent
        records = [json.loads(line) for line in callback_log.read_text().splitlines()]
        if len(records) >= 3:
            break
        time.sleep(0.05)
    by_model = {r["model"]: r for r in records}
    assert by_model["mimo-v2.6-pro"]["response_cost"] > 0
    assert by_model["mimo-v2.5-tts"]["response_cost"] == 0.0  # free for now
    # No published ASR price, so none in the catalogue. The proxy's Router registers every
    # deployment in LiteLLM's cost map, and LiteLLM counts a model without prices as 0.0.
    assert by_model["mimo-v2.5-asr"]["response_cost"] in (None, 0.0)
    keys = {r["user_api_key_hash"] for r in records}
    assert len(keys) == 1 and None not in keys  # speech and transcription land on the caller's key too


# --- the shipped config, as a user runs it ------------------------------------------------------


@pytest.mark.parametrize("where", ["repository", "copied elsewhere"])
def test_shipped_config_works_unchanged(mimo, tmp_path, where):
    if where == "repository":
        config, cwd = SHIPPED_CONFIG, ROOT
    else:
        config, cwd = tmp_path / "proxy_config.yaml", tmp_path
        shutil.copy(SHIPPED_CONFIG, config)
    env = {"PYTHONPATH": ""} if where != "repository" else {}
    with Proxy(mimo.url, config=config, cwd=cwd, env=env) as proxy:
        c = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=MASTER_KEY, max_retries=0)
        assert c.chat.completions.create(model="mimo-v2.6-pro", messages=HI).choices[0].message.content == "Echo: Hi proxy"
        assert c.audio.speech.create(model="mimo-v2.5-tts", input="Hi.", voice="alloy").content[:4] == b"RIFF"


def test_two_workers_serve_every_endpoint(mimo):
    with Proxy(mimo.url, workers=2, env={"PYTHONPATH": str(ROOT)}) as proxy:
        c = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=30)
        for i in range(6):
            assert c.chat.completions.create(model="mimo-v2.6-pro", messages=[{"role": "user", "content": f"n{i}"}]
                                             ).choices[0].message.content == f"Echo: n{i}"
            stream = c.chat.completions.create(model="mimo-v2.6-pro", messages=[{"role": "user", "content": f"s{i}"}],
                                               stream=True)
            assert "".join(ch.choices[0].delta.content or "" for ch in stream if ch.choices) == f"Echo: s{i}"
            assert c.audio.speech.create(model="mimo-v2.5-tts", input=f"w{i}", voice="alloy").content[:4] == b"RIFF"
            with open(AUDIO / "good-morning.mp3", "rb") as f:
                assert c.audio.transcriptions.create(model="mimo-v2.5-asr", file=f).text.startswith("Good morning")
            assert "mimo-v2.6-pro" in {m.id for m in c.models.list().data}
            with pytest.raises(openai.BadRequestError):
                c.embeddings.create(model="mimo-v2.6-pro", input="x")
