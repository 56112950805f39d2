"""MiMo's whole surface the OpenAI way: Token Plan keys and their regional hosts, other clients'
variable names, web search, message parts; in code, through the proxy, and the doctor."""

import os
import subprocess
import sys

import litellm
import openai
import pytest

from litellm_mimo import audiofile, credentials
from tests.conftest import ROOT, TOKEN_PLAN_KEY, assert_openai_error, token_plan_url
from litellm_mimo.testing import MASTER_KEY

HI = [{"role": "user", "content": "Hi"}]
ENV = (*credentials.API_KEY_ENV, *credentials.API_BASE_ENV, credentials.REGION_ENV, "XIAOMI_TOKEN_PLAN_URL")


@pytest.fixture
def clean_env(monkeypatch, mimo):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XIAOMI_TOKEN_PLAN_URL", token_plan_url(mimo))
    return monkeypatch


def chat(messages=HI, **kwargs):
    return litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=messages, **kwargs)


def client(proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=MASTER_KEY, max_retries=0)


# --- Token Plan keys -------------------------------------------------------------------------------


def test_a_region_picks_the_token_plan_host(mimo, clean_env):
    assert chat(api_key=TOKEN_PLAN_KEY, region="sgp").choices[0].message.content == "Echo: Hi"
    clean_env.setenv("XIAOMI_REGION", "sgp")
    chat(api_key=TOKEN_PLAN_KEY)
    assert [r["path"] for r in mimo.requests] == ["/sgp/v1/chat/completions"] * 2
    assert "region" not in mimo.requests[0]["body"]


def test_the_calls_settings_come_before_the_environments(mimo, clean_env):
    clean_env.setenv("XIAOMI_API_BASE", "http://127.0.0.1:9/v1")  # nothing there
    chat(api_key=TOKEN_PLAN_KEY, region="sgp")  # a call's region beats the environment's host
    clean_env.setenv("XIAOMI_REGION", "cn")
    clean_env.setenv("XIAOMI_API_BASE", mimo.url)  # the environment's host beats its region
    chat(api_key="sk-key")
    chat(api_key=TOKEN_PLAN_KEY, api_base=token_plan_url(mimo).format(region="sgp"), region="ams")  # a host first
    assert [r["path"] for r in mimo.requests] == ["/sgp/v1/chat/completions", "/v1/chat/completions",
                                                  "/sgp/v1/chat/completions"]


def test_a_token_plan_key_without_its_host_is_refused_before_sending(mimo, clean_env):
    with pytest.raises(litellm.BadRequestError) as caught:
        chat(api_key=TOKEN_PLAN_KEY)
    message = str(caught.value)
    for region in ("cn", "sgp", "ams"):
        assert token_plan_url(mimo).format(region=region) in message
    assert "XIAOMI_REGION=cn|sgp|ams" in message and "XIAOMI_API_BASE" in message and "region=" in message
    assert TOKEN_PLAN_KEY not in message and TOKEN_PLAN_KEY[:12] not in message
    assert mimo.requests == []


def test_a_host_the_package_cannot_judge_is_left_to_mimo(mimo, clean_env):
    """Another region's host, or a gateway: MiMo's 401 (the stand-in's, as on the real hosts)."""
    for base in (mimo.url, token_plan_url(mimo).format(region="cn")):
        with pytest.raises(litellm.AuthenticationError, match="Invalid API Key"):
            chat(api_key=TOKEN_PLAN_KEY, api_base=base)
    assert [r["path"] for r in mimo.requests] == ["/v1/chat/completions", "/cn/v1/chat/completions"]


def test_an_unknown_region_is_refused(mimo, clean_env):
    with pytest.raises(litellm.BadRequestError, match="region='eu' is not a MiMo Token Plan region: use one of cn, sgp, ams"):
        chat(api_key=TOKEN_PLAN_KEY, region="eu")
    assert mimo.requests == []


def test_speech_and_transcription_carry_the_region_to_every_piece(mimo, clean_env):
    audio = litellm.speech(model="xiaomi/mimo-v2.5-tts", input="A. " * 1500, response_format="pcm",
                           api_key=TOKEN_PLAN_KEY, region="sgp").content
    wav = audiofile.wav_file(audio)
    assert litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=wav, api_key=TOKEN_PLAN_KEY, region="sgp").text
    assert len(mimo.requests) == 3 and {r["path"] for r in mimo.requests} == {"/sgp/v1/chat/completions"}


# --- other clients' settings -------------------------------------------------------------------------


@pytest.mark.parametrize("names,used", [
    (("MIMO_API_KEY",), "MIMO_API_KEY"),
    (("XIAOMI_MIMO_API_KEY", "MIMO_API_KEY"), "XIAOMI_MIMO_API_KEY"),
    (("XIAOMI_API_KEY", "XIAOMI_MIMO_API_KEY", "MIMO_API_KEY"), "XIAOMI_API_KEY"),
])
def test_keys_are_read_from_other_clients_variables_in_order(mimo, clean_env, names, used):
    for name in names:
        clean_env.setenv(name, "invalid-key" if name != used else f"key-from-{name}")
    clean_env.setenv("XIAOMI_MIMO_API_BASE", mimo.url)  # LiteLLM's built-in provider's name for the host
    assert chat().choices[0].message.content == "Echo: Hi"


def test_the_missing_key_error_names_every_variable_read(mimo, clean_env):
    with pytest.raises(litellm.AuthenticationError, match="XIAOMI_API_KEY, XIAOMI_MIMO_API_KEY, MIMO_API_KEY"):
        chat(api_base=mimo.url)
    assert mimo.requests == []


# --- web search ----------------------------------------------------------------------------------------

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}


@pytest.mark.parametrize("options,tool", [
    ({}, {"type": "web_search"}),
    ({"search_context_size": "low"}, {"type": "web_search", "limit": 5}),
    ({"search_context_size": "high", "user_location": {"type": "approximate", "approximate": {
        "country": "CN", "city": "Beijing", "timezone": "Asia/Shanghai"}}},
     {"type": "web_search", "limit": 20, "user_location": {"type": "approximate", "country": "CN", "city": "Beijing",
                                                           "timezone": "Asia/Shanghai"}}),
])
def test_web_search_options_become_mimos_web_search_tool(mimo, options, tool):
    chat(api_base=mimo.url, api_key="k", web_search_options=options, tools=[WEATHER])
    body = mimo.requests[0]["body"]
    assert body["tools"] == [WEATHER, tool]
    assert "web_search_options" not in body


def test_a_web_search_tool_given_directly_passes_unchanged(mimo):
    tool = {"type": "web_search", "max_keyword": 3, "force_search": True, "limit": 7}
    chat(api_base=mimo.url, api_key="k", tools=[tool])
    assert mimo.requests[0]["body"]["tools"] == [tool]


@pytest.mark.parametrize("options,words", [
    ({"search_context_size": "huge"}, "use one of low, medium, high"),
    ({"filters": {"allowed_domains": ["x.com"]}}, "search_context_size \\(low, medium, high\\) and user_location only"),
    ({"user_location": {"country": "CN"}}, "give {'type': 'approximate', 'approximate'"),
])
def test_web_search_options_mimo_cannot_follow_are_refused(mimo, options, words):
    with pytest.raises(litellm.BadRequestError, match=words):
        chat(api_base=mimo.url, api_key="k", web_search_options=options)
    assert mimo.requests == []


SOURCES = {"annotations": [{"type": "url_citation", "url_citation": {
    "url": "https://example.com/weather", "title": "Weather", "start_index": 0, "end_index": 5}}],
    "search_sources": [{"url": "https://example.com/weather"}]}  # a field no source names: kept all the same


def test_what_a_search_answer_carries_reaches_the_caller(mimo, proxy):
    mimo.scripted += [{"content": "Sunny", "fields": SOURCES}] * 2
    message = chat(api_base=mimo.url, api_key="k", web_search_options={}).choices[0].message
    assert message.annotations == SOURCES["annotations"] and message.search_sources == SOURCES["search_sources"]
    message = client(proxy).chat.completions.create(model="mimo-v2.6-pro", messages=HI, web_search_options={})
    assert message.choices[0].message.model_dump()["annotations"] == SOURCES["annotations"]
    assert message.choices[0].message.model_extra["search_sources"] == SOURCES["search_sources"]


# --- message parts -------------------------------------------------------------------------------------


def test_an_image_url_given_as_a_string_is_sent_as_an_object(mimo):
    parts = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": "https://example.com/cat.png"}]
    chat(api_base=mimo.url, api_key="k", messages=[{"role": "user", "content": parts}])
    assert mimo.requests[0]["body"]["messages"][0]["content"][1] == {
        "type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}


def test_audio_and_video_parts_pass_as_documented(mimo):
    parts = [{"type": "input_audio", "input_audio": {"data": "data:audio/wav;base64,UklGRgAAAABXQVZF"}},
             {"type": "video_url", "video_url": {"url": "https://example.com/a.mp4", "fps": 2, "media_resolution": "low"}}]
    chat(api_base=mimo.url, api_key="k", messages=[{"role": "user", "content": parts}])
    assert mimo.requests[0]["body"]["messages"][0]["content"] == parts


@pytest.mark.parametrize("part,words", [
    ({"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}, r"takes no image_url parts \(no vision\)"),
    ({"type": "video_url", "video_url": {"url": "https://example.com/a.mp4"}}, r"takes no video_url parts \(no vision\)"),
])
def test_an_image_to_a_model_without_vision_is_refused_before_sending(mimo, part, words):
    audio = {"type": "input_audio", "input_audio": {"data": "data:audio/wav;base64,UklGRgAAAABXQVZF"}}
    with pytest.raises(litellm.BadRequestError, match=words + r": use one of mimo-v2\.6-pro, mimo-v2\.6-flash"):
        litellm.completion(model="xiaomi/mimo-v2.5-asr", messages=[{"role": "user", "content": [audio, part]}],
                           api_base=mimo.url, api_key="k")
    assert mimo.requests == []


def test_names_developer_role_and_litellm_messages_keep_working(mimo):
    first = chat(api_base=mimo.url, api_key="k")
    history = [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hi", "name": "ada"},
               first.choices[0].message, {"role": "user", "content": "Again"}]
    chat(api_base=mimo.url, api_key="k", messages=history)
    sent = mimo.requests[1]["body"]["messages"]
    assert sent[0] == history[0] and sent[1] == history[1]
    assert sent[2]["role"] == "assistant" and sent[2]["content"] == "Echo: Hi"


# --- through the proxy -------------------------------------------------------------------------------------


def test_a_token_plan_deployment_on_the_default_host_is_a_400_twice_not_a_cooldown(proxy, mimo):
    """A 401 would cool the deployment down (LiteLLM), and the second caller would get 429."""
    for _ in range(2):
        with pytest.raises(openai.BadRequestError) as caught:
            client(proxy).chat.completions.create(model="tp-on-the-default-host", messages=HI)
        error = assert_openai_error(caught.value.response, 400, "works only on its own regional host")
        assert error["type"] == "invalid_request_error" and TOKEN_PLAN_KEY[:12] not in error["message"]
    assert mimo.requests == []


def test_the_readmes_token_plan_deployments_serve_chat_and_speech(proxy, mimo):
    answer = client(proxy).chat.completions.create(model="mimo-v2.6-pro-sgp", messages=HI)
    assert answer.choices[0].message.content == "Echo: Hi"
    audio = client(proxy).audio.speech.create(model="mimo-v2.5-tts-sgp", input="Hello. " * 400, voice="alloy",
                                              response_format="pcm")
    assert len(audio.content) > 0
    assert len(mimo.requests) == 3 and {r["path"] for r in mimo.requests} == {"/sgp/v1/chat/completions"}
    assert {r["body"]["model"] for r in mimo.requests} == {"mimo-v2.6-pro", "mimo-v2.5-tts"}


def test_web_search_options_through_the_proxy(proxy, mimo):
    client(proxy).chat.completions.create(model="mimo-v2.6-pro", messages=HI,
                                          web_search_options={"search_context_size": "medium"})
    body = mimo.requests[0]["body"]
    assert body["tools"] == [{"type": "web_search", "limit": 10}] and "web_search_options" not in body


# --- the doctor ------------------------------------------------------------------------------------------


def doctor(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ENV}
    return subprocess.run([sys.executable, "-m", "litellm_mimo", "doctor"], env={**clean, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def rows(output: str) -> dict[str, str]:
    return {line.split()[0]: line for line in output.splitlines() if line.startswith("  ")}


def test_the_doctor_checks_a_pay_as_you_go_key(mimo):
    done = doctor({"XIAOMI_API_KEY": "sk-" + "doctorsecret" * 3, "XIAOMI_API_BASE": mimo.url})
    assert done.returncode == 0, done.stdout + done.stderr
    checks = rows(done.stdout)
    assert all(" ok " in checks[c] for c in ("host", "models", "chat", "speech", "transcription")), done.stdout
    assert "heard: 'Hello from the doctor.'" in checks["transcription"]
    assert "doctorsecret" not in done.stdout + done.stderr


def test_the_doctor_finds_a_token_plan_keys_region(mimo):
    done = doctor({"MIMO_API_KEY": TOKEN_PLAN_KEY, "XIAOMI_TOKEN_PLAN_URL": token_plan_url(mimo)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "region is sgp: set XIAOMI_REGION=sgp" in rows(done.stdout)["host"]
    assert [(r["path"], r["status"]) for r in mimo.list_requests] == [
        ("/cn/v1/models", 401), ("/cn/models", 404), ("/sgp/v1/models", 200)]
    assert TOKEN_PLAN_KEY[:12] not in done.stdout + done.stderr


@pytest.mark.parametrize("env,code,words", [
    ({"XIAOMI_API_KEY": "invalid-key", "XIAOMI_API_BASE": "standin"}, 1, "refused the key (401)"),
    ({"XIAOMI_API_KEY": TOKEN_PLAN_KEY, "XIAOMI_API_BASE": credentials.DEFAULT_API_BASE}, 1,
     "works only on its own regional host"),
    ({"XIAOMI_API_KEY": "sk-k", "XIAOMI_REGION": "eu"}, 1, "XIAOMI_REGION='eu' is not a MiMo Token Plan region"),
    ({}, 2, "set one of XIAOMI_API_KEY, XIAOMI_MIMO_API_KEY, MIMO_API_KEY"),
])
def test_the_doctor_says_what_fails_and_exits_non_zero(mimo, env, code, words):
    done = doctor({k: mimo.url if v == "standin" else v for k, v in env.items()})
    assert done.returncode == code, done.stdout + done.stderr
    assert words in done.stdout and "Traceback" not in done.stderr
    assert TOKEN_PLAN_KEY[:12] not in done.stdout
