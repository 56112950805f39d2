"""End to end: the real LiteLLM proxy (a subprocess on 127.0.0.1) on proxy_config.yaml, MiMo
played by the stand-in, driven with the official `openai` client."""

import io
import json
import shutil
import time
import wave

import httpx
import openai
import pytest
import yaml

import litellm_mimo
from tests.conftest import AUDIO, ROOT, SHIPPED_CONFIG, Proxy, assert_openai_error
from litellm_mimo.testing import AUTH, MASTER_KEY

pytestmark = pytest.mark.proxy

HI = [{"role": "user", "content": "Hi proxy"}]
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


@pytest.fixture
def client(proxy):
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=30)


def logged_calls(proxy, count: int) -> list[dict]:
    """The callback's records of the calls the proxy logged (logging runs after the answer)."""
    records: list = []
    for _ in range(100):
        records = [json.loads(line) for line in proxy.calls.read_text().splitlines()]
        if len([r for r in records if r["status"] == 200]) >= count:
            break
        time.sleep(0.05)
    return [r for r in records if r["status"] == 200]


def raw_post(proxy, path: str, **kwargs) -> httpx.Response:
    return httpx.post(f"{proxy.url}{path}", headers=AUTH, timeout=30, **kwargs)


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
    assert body["audio"] == {"format": {"pcm": "pcm16"}.get(fmt, fmt)}  # alloy: MiMo's default voice
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


def test_transcription_text_is_a_plain_text_body(proxy, mimo):
    with open(AUDIO / "good-morning.mp3", "rb") as f:
        response = raw_post(proxy, "/v1/audio/transcriptions", files={"file": ("clip.mp3", f)},
                            data={"model": "mimo-v2.5-asr", "response_format": "text"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Good morning. Could you tell me what the weather will be like today?"
    assert mimo.requests[0]["body"]["messages"][0]["content"][0]["input_audio"]["data"].startswith("data:audio/mpeg;")


# --- models and embeddings ----------------------------------------------------------------------


def test_models_lists_current_ids_what_mimo_lists_and_never_a_retired_one(client, mimo, proxy):
    ids: set = set()
    for _ in range(100):  # MiMo's own list is fetched in the background after the first request
        ids = {m.id for m in client.models.list().data}
        if "xiaomi/mimo-v2.7-flash" in ids:
            break
        time.sleep(0.1)
    assert {"mimo-v2.6-pro", "mimo-v2.5-tts", "mimo-v2.5-asr", "mimo-v2.6-pro[1m]"} <= ids
    assert {"xiaomi/mimo-v2.6-pro", "xiaomi/mimo-v2.6-pro[1m]", "xiaomi/mimo-v2.7-pro[1m]"} <= ids  # + XIAOMI_MODELS
    assert "xiaomi/mimo-v2.7-flash" in ids  # launched after this release: listed by MiMo, so listed here
    retired = {m.id for m in litellm_mimo.list_models(include_retired=True)} - {m.id for m in litellm_mimo.list_models()}
    assert "mimo-v2.5" in retired and not ids & (retired | {f"xiaomi/{m}" for m in retired})
    assert mimo.list_requests and mimo.list_requests[0]["path"] == "/v1/models"
    # ... and it routes, its id forwarded verbatim
    r = client.chat.completions.create(model="xiaomi/mimo-v2.7-flash", messages=HI)
    assert r.choices[0].message.content == "Echo: Hi proxy"
    assert mimo.requests[-1]["body"]["model"] == "mimo-v2.7-flash"
    # ... also by its bare name (the mimo-* pattern), which /v1/models leaves to xiaomi/*
    r = client.chat.completions.create(model="mimo-v2.7-flash", messages=HI)
    assert r.choices[0].message.content == "Echo: Hi proxy" and mimo.requests[-1]["body"]["model"] == "mimo-v2.7-flash"
    assert not {"mimo-*", "MiMo-*"} & ids  # the patterns are never listed as models
    # LiteLLM 1.110 lists what a pattern routes under its bare name (1.108 lists none): served ids only
    configured = {d["model_name"] for d in yaml.safe_load(proxy.config_path.read_text())["model_list"]}
    assert {i for i in ids if i.startswith("mimo-")} - configured <= {"mimo-v2.7-flash", "mimo-v2.7-pro[1m]"}


def test_xiaomi_models_id_is_routable(client, mimo):
    with pytest.raises(openai.BadRequestError, match=r"Unsupported model mimo-v2.7-pro\[1m\]"):
        client.chat.completions.create(model="xiaomi/mimo-v2.7-pro[1m]", messages=HI)  # unknown to the stand-in
    assert mimo.requests[0]["body"]["model"] == "mimo-v2.7-pro[1m]"  # but routed and sent


def test_embeddings_are_a_400(client, mimo):
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="mimo-v2.6-pro", input="x")
    assert type(caught.value) is openai.BadRequestError  # a 400, not a subclass such as a 422
    assert caught.value.body["type"] == "invalid_request_error"
    assert "MiMo has no embeddings" in caught.value.body["message"]
    assert mimo.requests == []


# --- errors -------------------------------------------------------------------------------------


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


def test_every_route_is_logged_at_its_price_for_the_calling_key(proxy, client):
    client.chat.completions.create(model="mimo-v2.6-pro", messages=HI)
    client.chat.completions.create(model="mimo-v2.6-pro-ultraspeed", messages=HI)
    client.audio.speech.create(model="mimo-v2.5-tts", input="Cost me.", voice="alloy")
    with open(AUDIO / "good-morning-24k.wav", "rb") as f:
        client.audio.transcriptions.create(model="mimo-v2.5-asr", file=f)
    by_model = {r["model"]: r for r in logged_calls(proxy, 4)}
    assert by_model["mimo-v2.6-pro"]["response_cost"] > 0
    # Its reported price: 10x mimo-v2.6-pro's, for the same tokens (the stand-in counts them alike).
    assert by_model["mimo-v2.6-pro-ultraspeed"]["response_cost"] == pytest.approx(
        10 * by_model["mimo-v2.6-pro"]["response_cost"])
    assert by_model["mimo-v2.5-tts"]["response_cost"] == 0.0  # free for now
    # Logged as what they are, as LiteLLM's built-in audio providers' calls are.
    assert [by_model[m]["call_type"] for m in ("mimo-v2.6-pro", "mimo-v2.5-tts", "mimo-v2.5-asr")] == [
        "acompletion", "aspeech", "atranscription"]
    # Per second of audio, from MiMo's usage.seconds (4 for this clip): not 0, not by response time.
    assert by_model["mimo-v2.5-asr"]["response_cost"] == pytest.approx(4 * 0.074 / 3600)
    keys = {r["user_api_key_hash"] for r in by_model.values()}
    assert len(keys) == 1 and None not in keys  # speech and transcription land on the caller's key too


def test_a_deployments_model_info_prices_asr(proxy, client):
    with open(AUDIO / "good-morning-24k.wav", "rb") as f:
        client.audio.transcriptions.create(model="asr-contract", file=f)
    assert logged_calls(proxy, 1)[0]["response_cost"] == pytest.approx(4 * 0.01)


# --- the proxy's own key -------------------------------------------------------------------------

ROUTES = [("POST", "/v1/chat/completions", {"json": {"model": "mimo-v2.6-pro", "messages": HI}}),
          ("POST", "/v1/audio/speech", {"json": {"model": "mimo-v2.5-tts", "input": "x"}}),
          ("POST", "/v1/audio/transcriptions", {"data": {"model": "mimo-v2.5-asr"}, "files": {"file": ("a.wav", b"RIFF")}}),
          ("GET", "/v1/models", {})]


@pytest.mark.parametrize("method,route,kwargs", ROUTES, ids=[r[1] for r in ROUTES])
@pytest.mark.parametrize("headers,status,words", [
    ({}, 401, "No api key passed in"),
    ({"Authorization": "sk-local-master"}, 401, "Ensure Key has `Bearer ` prefix"),
    # Without a database LiteLLM knows no key but the master key: any other is this 400.
    ({"Authorization": "Bearer sk-wrong"}, 400, "No connected db"),
], ids=["no-key", "no-bearer", "wrong-key"])
def test_a_missing_or_wrong_proxy_key_is_a_json_error_never_a_500(shipped, method, route, kwargs, headers, status, words):
    response = httpx.request(method, f"{shipped.proxy.url}{route}", headers=headers, timeout=30, **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert words in error["message"] and error["type"]
    assert shipped.mimo.requests == []


# --- caller mistakes, with the shipped config's retries and cooldowns ------------------------------

WAV_FILE = ("a.wav", (AUDIO / "good-morning-24k.wav").read_bytes())
CALLER_MISTAKES = [
    # (route, JSON body or form data, file, words of the 400, a good call to the same deployment after)
    ("/v1/chat/completions", {"model": "xiaomi/mimo-v2.5-pro", "messages": HI}, None, "retired by Xiaomi on 2026-10-21",
     "chat xiaomi/mimo-v2.6-pro"),
    ("/v1/chat/completions", {"model": "xiaomi/MiMo-V2-Flash", "messages": HI}, None, "retired by Xiaomi on 2026-06-30",
     "chat xiaomi/mimo-v2.6-pro"),
    ("/v1/chat/completions", {"model": "xiaomi/mimo-v2.5-pro[1m]", "messages": HI}, None, "use mimo-v2.6-pro[1m]",
     "chat xiaomi/mimo-v2.6-pro"),
    # bare, as clients configured before the retirement still send them (the mimo-* / MiMo-* patterns)
    ("/v1/chat/completions", {"model": "mimo-v2.5-pro", "messages": HI}, None, "retired by Xiaomi on 2026-10-21",
     "chat mimo-v2.6-pro"),
    ("/v1/chat/completions", {"model": "MiMo-V2-Flash", "messages": HI}, None, "use mimo-v2.6-flash",
     "chat mimo-v2.6-flash"),
    ("/v1/audio/speech", {"model": "xiaomi/mimo-v2-tts", "input": "x", "voice": "alloy"}, None, "use mimo-v2.5-tts",
     "speech xiaomi/mimo-v2.5-tts"),
    ("/v1/audio/speech", {"model": "mimo-v2.6-pro", "input": "x", "voice": "alloy"}, None,
     "is not a text-to-speech model (it is a chat model): use mimo-v2.5-tts, mimo-v2.5-tts-voicedesign, "
     "mimo-v2.5-tts-voiceclone", "chat mimo-v2.6-pro"),
    ("/v1/audio/transcriptions", {"model": "mimo-v2.5-tts"}, WAV_FILE, "is not a speech-recognition model (it is a text-to-speech model): use mimo-v2.5-asr",
     "speech mimo-v2.5-tts"),
    ("/v1/audio/transcriptions", {"model": "mimo-v2.5-asr"}, ("notes.wav", b"Not audio at all.\n" * 50),
     "whatever its name says", "transcription mimo-v2.5-asr"),
    ("/v1/chat/completions", {"model": "mimo-v2.5-tts", "messages": HI}, None, "has none. Use litellm.speech()",
     "speech mimo-v2.5-tts"),
    ("/v1/chat/completions", {"model": "mimo-v2.5-asr", "messages": HI}, None, "has none. Use litellm.transcription()",
     "transcription mimo-v2.5-asr"),
]


def good_call(client: openai.OpenAI, spec: str) -> None:
    kind, model = spec.split()
    if kind == "chat":
        assert client.chat.completions.create(model=model, messages=HI).choices[0].message.content == "Echo: Hi proxy"
    elif kind == "speech":
        assert client.audio.speech.create(model=model, input="Hi.", voice="alloy").content[:4] == b"RIFF"
    else:
        assert client.audio.transcriptions.create(model=model, file=WAV_FILE).text.startswith("Good morning")


@pytest.mark.parametrize("route,payload,file,words,after", CALLER_MISTAKES,
                         ids=[f"{m[0].split('/')[-1]}-{m[1]['model']}-{i}" for i, m in enumerate(CALLER_MISTAKES)])
def test_a_caller_mistake_is_a_400_twice_and_cools_nothing_down(shipped, route, payload, file, words, after):
    """LiteLLM's Router cools a deployment down after a 401/404/429 from it, and then every caller
    of it (all of `xiaomi/*`) gets 429: the package's refusals are 400s, sent before MiMo is asked."""
    for _ in range(2):
        kwargs = {"data": payload, "files": {"file": file}} if file else {"json": payload}
        response = httpx.post(f"{shipped.proxy.url}{route}", headers=AUTH,
                              timeout=30, **kwargs)
        error = assert_openai_error(response, 400, words)
        assert error["type"] == "invalid_request_error"
    assert shipped.mimo.requests == []
    good_call(openai.OpenAI(base_url=f"{shipped.proxy.url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=30), after)


# --- the shipped config, as a user runs it ------------------------------------------------------


def assert_serves_chat_and_speech(proxy) -> None:
    c = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=MASTER_KEY, max_retries=0)
    assert c.chat.completions.create(model="mimo-v2.6-pro", messages=HI).choices[0].message.content == "Echo: Hi proxy"
    assert c.audio.speech.create(model="mimo-v2.5-tts", input="Hi.", voice="alloy").content[:4] == b"RIFF"


def test_shipped_config_works_from_the_repository(shipped):
    assert_serves_chat_and_speech(shipped.proxy)


def test_shipped_config_works_copied_elsewhere(mimo, tmp_path):
    config = tmp_path / "proxy_config.yaml"
    shutil.copy(SHIPPED_CONFIG, config)
    with Proxy(mimo.url, config=config, cwd=tmp_path, env={"PYTHONPATH": ""}) as proxy:
        assert_serves_chat_and_speech(proxy)


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
            with pytest.raises(openai.BadRequestError, match="MiMo has no embeddings") as caught:
                c.embeddings.create(model="mimo-v2.6-pro", input="x")
            assert type(caught.value) is openai.BadRequestError
