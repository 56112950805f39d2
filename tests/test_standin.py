"""The stand-in as its users get it (the `mimo_standin` package): tool calls that follow the offered
schema, refusals on cue, its pytest fixture, `python -m mimo_standin`; judged with the standard library."""

import base64
import io
import json
import os
import signal
import subprocess
import sys
import wave
from pathlib import Path

import httpx
import litellm
import pytest
from pydantic import BaseModel

from litellm_mimo import structured
import mimo_standin
from mimo_standin import StandIn, pcm_for_text, server, text_in_pcm, wav_bytes
from tests.conftest import AUDIO

ROOM = {"type": "object", "properties": {"floor": {"type": "integer"}, "name": {"type": "string"}},
        "required": ["floor", "name"]}
BOOK = {"type": "function", "function": {"name": "book_room", "parameters": {
    "type": "object",
    "$defs": {"Room": ROOM},
    "properties": {
        "room": {"$ref": "#/$defs/Room"},
        "nights": {"type": "integer"},
        "breakfast": {"type": "boolean"},
        "rate": {"type": "string", "enum": ["standard", "flexible"]},
        "guests": {"type": "array", "items": {"type": "string"}},
        "note": {"type": "string"},  # optional: not sent
    },
    "required": ["room", "nights", "breakfast", "rate", "guests"]}}}
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def chat(mimo, text: str, **body) -> dict:
    r = httpx.post(f"{mimo.url}/chat/completions", headers={"Authorization": "Bearer k"}, timeout=10,
                   json={"model": "mimo-v2.6-flash", "messages": [{"role": "user", "content": text}], **body})
    assert r.status_code == 200, r.text
    return r.json()["choices"][0]


def test_tool_arguments_follow_the_tools_schema(mimo):
    choice = chat(mimo, "Two nights in Paris", tools=[BOOK, WEATHER])
    assert choice["finish_reason"] == "tool_calls"
    calls = [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in choice["message"]["tool_calls"]]
    assert calls == [
        ("book_room", {"room": {"floor": 1, "name": "Two nights in Paris"}, "nights": 1, "breakfast": True,
                       "rate": "standard", "guests": ["Two nights in Paris"]}),
        ("get_weather", {"city": "Two nights in Paris"}),
    ]


def test_a_tool_without_parameters_is_called_with_none():
    with StandIn() as mimo:
        choice = chat(mimo, "Hi", tools=[{"type": "function", "function": {"name": "ping"}}])
    assert json.loads(choice["message"]["tool_calls"][0]["function"]["arguments"]) == {}


def test_no_tool_cue_answers_in_words_every_time(mimo):
    for _ in range(3):
        choice = chat(mimo, "Weather in Paris? [standin:no-tool]", tools=[WEATHER])
        assert choice["message"]["tool_calls"] is None and choice["finish_reason"] == "stop"
        assert "Weather in Paris?" in choice["message"]["content"]
    assert chat(mimo, "Weather in Paris?", tools=[WEATHER])["message"]["tool_calls"]  # no cue: a call


def test_a_counted_no_tool_cue_refuses_the_first_requests_only(mimo):
    cue = "Weather in Paris? [standin:no-tool*2]"
    answers = [chat(mimo, cue, tools=[WEATHER])["message"]["tool_calls"] for _ in range(3)]
    assert [calls is None for calls in answers] == [True, True, False]
    assert json.loads(answers[2][0]["function"]["arguments"]) == {"city": cue}
    chat(mimo, "another cue [standin:no-tool*1]", tools=[WEATHER])  # counted on its own
    assert chat(mimo, cue, tools=[WEATHER])["message"]["tool_calls"] is not None
    mimo.reset()  # counted since the last reset
    assert chat(mimo, cue, tools=[WEATHER])["message"]["tool_calls"] is None


def test_the_cue_anywhere_in_the_messages_counts(mimo):
    body = {"model": "mimo-v2.6-flash", "tools": [WEATHER], "messages": [
        {"role": "system", "content": "[standin:no-tool]"}, {"role": "user", "content": "Weather?"}]}
    r = httpx.post(f"{mimo.url}/chat/completions", headers={"Authorization": "Bearer k"}, json=body, timeout=10)
    assert r.json()["choices"][0]["message"]["tool_calls"] is None


def test_bad_json_cue_makes_json_mode_answer_prose(mimo):
    def answer(text):
        return chat(mimo, text, response_format={"type": "json_object"})["message"]["content"]

    with pytest.raises(json.JSONDecodeError):
        json.loads(answer("A city [standin:bad-json]"))
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer("A city [standin:bad-json]"))
    assert json.loads(answer("A city")) == {"echo": "A city"}
    counted = [answer("A town [standin:bad-json*1]") for _ in range(2)]
    with pytest.raises(json.JSONDecodeError):
        json.loads(counted[0])
    assert json.loads(counted[1]) == {"echo": "A town [standin:bad-json*1]"}
    assert chat(mimo, "plain [standin:bad-json]")["message"]["content"] == "Echo: plain [standin:bad-json]"


class City(BaseModel):
    name: str
    population: int


@pytest.mark.parametrize("count, repaired", [(1, True), (2, False)])
def test_a_count_tells_the_packages_repair_from_a_retry(mimo, count, repaired):
    """The bridge's one repair request is the second carrying the cue: with *1 it succeeds, with *2 the
    answer is handed back flagged, and a framework's retry (the third) is answered."""
    ask = [{"role": "user", "content": f"The largest city in France? [standin:bad-json*{count}]"}]
    call = lambda: litellm.completion(model="xiaomi/mimo-v2.6-flash", messages=ask, response_format=City,  # noqa: E731
                                      api_base=mimo.url, api_key="k")
    if repaired:
        assert City.model_validate_json(call().choices[0].message.content).population == 1
    else:
        handed = call().choices[0].message  # its repair refused too: handed back as MiMo gave it, flagged
        with pytest.raises(ValueError):
            City.model_validate_json(handed.content)
        assert handed.provider_specific_fields[structured.PROBLEM_FIELD]
        City.model_validate_json(call().choices[0].message.content)  # a framework's retry: the third, answered
    assert len(mimo.requests) == count + 1


def test_wav_is_written_with_the_standard_library():
    with wave.open(io.BytesIO(wav_bytes(pcm_for_text("Hello")))) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 24000)
        assert text_in_pcm(w.readframes(w.getnframes())) == "Hello"


def test_mp3_speech_comes_from_the_packages_own_data(mimo, monkeypatch, tmp_path):
    """Read at run time from the package's own directory: an installed wheel has no tests/fixtures."""
    assert server.DATA_DIR == Path(mimo_standin.__file__).parent
    assert (server.DATA_DIR / "good-morning.mp3").read_bytes() == (AUDIO / "good-morning.mp3").read_bytes()
    (tmp_path / "good-morning.mp3").write_bytes(b"ID3 another recording")
    monkeypatch.setattr(server, "DATA_DIR", tmp_path)
    r = httpx.post(f"{mimo.url}/chat/completions", headers={"Authorization": "Bearer k"}, timeout=10, json={
        "model": "mimo-v2.5-tts", "audio": {"format": "mp3"}, "messages": [{"role": "assistant", "content": "Hi"}]})
    assert base64.b64decode(r.json()["choices"][0]["message"]["audio"]["data"]) == b"ID3 another recording"


def test_the_standin_imports_neither_litellm_nor_the_package():
    code = ("import sys, mimo_standin, mimo_standin.pytest_plugin; "
            "assert not {'litellm', 'litellm_mimo'} & set(sys.modules), sorted(sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]


USERS_TESTS = '''
import os, sys

def test_one(mimo_standin):
    assert os.environ["XIAOMI_API_BASE"] == mimo_standin.url
    assert os.environ["XIAOMI_API_KEY"]
    assert mimo_standin.requests == []
    mimo_standin.queued_faults.append("429")
    assert not {"litellm", "litellm_mimo"} & set(sys.modules)

def test_two(mimo_standin):
    assert mimo_standin.queued_faults == []  # reset before each test

def test_after():
    assert "XIAOMI_API_BASE" not in os.environ and "XIAOMI_API_KEY" not in os.environ
'''


def test_the_pytest_plugin_is_installed_and_costs_nothing(tmp_path):
    """Loaded from its entry point (no -p), without importing LiteLLM; the variables last one test."""
    (tmp_path / "test_users.py").write_text(USERS_TESTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XIAOMI_")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_users.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "3 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]


def test_python_m_mimo_standin_prints_its_url_and_answers():
    process = subprocess.Popen([sys.executable, "-m", "mimo_standin", "--port", "0"], stdout=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        line = process.stdout.readline()
        url = line.split()[3]
        assert line.startswith("MiMo stand-in on http://127.0.0.1:") and url.endswith("/v1"), line
        r = httpx.post(f"{url}/chat/completions", headers={"Authorization": "Bearer k"}, timeout=10,
                       json={"model": "mimo-v2.6-flash", "messages": [{"role": "user", "content": "Hi"}]})
        assert r.json()["choices"][0]["message"]["content"] == "Echo: Hi"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
