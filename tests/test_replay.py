"""MiMo's replay rule for callers that drop ``reasoning_content`` (agent frameworks do): the package
re-attaches the reasoning it served with a tool-call turn, for that very turn only, and sends a
turn it does not know with thinking disabled instead of getting MiMo's 400; ``strict`` and
``off`` say otherwise. The stand-in enforces the rule as MiMo documents it."""

import json
import logging

import litellm
import openai
import pytest

from litellm_mimo import replay
from litellm_mimo.testing import MASTER_KEY

MODEL = "xiaomi/mimo-v2.6-pro"
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
ASK = [{"role": "user", "content": "What's the weather in Paris?"}]
RULE = "reasoning_content in the thinking mode must be passed back"


@pytest.fixture(autouse=True)
def _empty_store():
    replay.memory._turns.clear()
    replay.memory.chars = 0


def first_turn(mimo, stream: bool = False, **kwargs):
    """MiMo's tool-call turn as a framework that drops reasoning_content sends it back: the assistant
    turn without it, and the tool's answer."""
    call = dict(model=MODEL, messages=ASK, tools=[WEATHER], api_base=mimo.url, api_key="k", **kwargs)
    if stream:
        message = litellm.stream_chunk_builder(list(litellm.completion(**call, stream=True))).choices[0].message
    else:
        message = litellm.completion(**call).choices[0].message
    served = mimo.requests[-1]
    assert message.reasoning_content and message.tool_calls
    calls = [{"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
             for c in message.tool_calls]
    history = [*ASK, {"role": "assistant", "content": "", "tool_calls": calls},
               *({"role": "tool", "tool_call_id": c["id"], "content": "Sunny"} for c in calls)]
    return history, message.reasoning_content, served


def second_turn(mimo, history, **kwargs):
    return litellm.completion(model=MODEL, messages=history, tools=[WEATHER], api_base=mimo.url, api_key="k", **kwargs)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_the_reasoning_served_is_reattached_to_its_turn(mimo, stream):
    history, reasoning, _ = first_turn(mimo, stream=stream)
    r = second_turn(mimo, history)
    assert r.choices[0].message.content == "The tool said: Sunny"
    sent = mimo.requests[-1]["body"]
    assert sent["messages"][1]["reasoning_content"] == reasoning
    assert "thinking" not in sent  # thinking stays on, as the caller left it
    assert "reasoning_content" not in history[1]  # the caller's own messages are not changed


async def test_async_calls_and_streams_too(mimo):
    chunks = [c async for c in await litellm.acompletion(model=MODEL, messages=ASK, tools=[WEATHER], api_base=mimo.url,
                                                         api_key="k", stream=True)]
    message = litellm.stream_chunk_builder(chunks).choices[0].message
    calls = [{"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
             for c in message.tool_calls]
    history = [*ASK, {"role": "assistant", "content": "", "tool_calls": calls},
               *({"role": "tool", "tool_call_id": c["id"], "content": "Sunny"} for c in calls)]
    r = await litellm.acompletion(model=MODEL, messages=history, tools=[WEATHER], api_base=mimo.url, api_key="k")
    assert r.choices[0].message.content == "The tool said: Sunny"
    assert mimo.requests[-1]["body"]["messages"][1]["reasoning_content"] == message.reasoning_content


def test_arguments_reserialized_by_a_framework_are_still_found(mimo):
    history, reasoning, _ = first_turn(mimo)
    call = history[1]["tool_calls"][0]["function"]
    call["arguments"] = json.dumps(json.loads(call["arguments"]), indent=2)  # as LangChain re-dumps dicts
    second_turn(mimo, history)
    assert mimo.requests[-1]["body"]["messages"][1]["reasoning_content"] == reasoning


@pytest.mark.parametrize("change", ["arguments", "id", "caller"])
def test_a_turn_gets_only_the_reasoning_served_for_that_very_turn(mimo, change, caplog):
    history, _, _ = first_turn(mimo, metadata={"user_api_key_hash": "alice"})
    call = history[1]["tool_calls"][0]
    caller = "alice"
    if change == "arguments":
        call["function"]["arguments"] = json.dumps({"city": "Rome"})
    elif change == "id":
        call["id"] = history[2]["tool_call_id"] = "call_someone_elses"
    else:
        caller = "bob"
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        r = second_turn(mimo, history, metadata={"user_api_key_hash": caller})
    sent = mimo.requests[-1]["body"]
    assert "reasoning_content" not in sent["messages"][1]
    assert sent["thinking"] == {"type": "disabled"}  # instead of MiMo's 400
    assert r.choices[0].message.content == "The tool said: Sunny"
    assert "sending this request with thinking disabled" in caplog.text


def test_an_unknown_turn_overrides_the_thinking_asked_for_and_says_so(mimo, caplog):
    history, _, _ = first_turn(mimo)
    replay.memory._turns.clear()  # a restart
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        second_turn(mimo, history, reasoning_effort="high")
    sent = mimo.requests[-1]["body"]
    assert sent["thinking"] == {"type": "disabled"} and "reasoning_effort" not in sent
    assert "the reasoning_effort='high' asked for is not sent either" in caplog.text


def test_strict_reattaches_what_is_known_and_sends_the_rest_as_given(mimo):
    history, reasoning, _ = first_turn(mimo)
    second_turn(mimo, history, reasoning_replay="strict")
    assert mimo.requests[-1]["body"]["messages"][1]["reasoning_content"] == reasoning
    replay.memory._turns.clear()
    with pytest.raises(litellm.BadRequestError, match=RULE):
        second_turn(mimo, history, reasoning_replay="strict")
    assert "thinking" not in mimo.requests[-1]["body"]


def test_off_sends_the_history_as_given(mimo):
    history, _, _ = first_turn(mimo)
    with pytest.raises(litellm.BadRequestError, match=RULE):
        second_turn(mimo, history, reasoning_replay="off")
    assert "reasoning_content" not in mimo.requests[-1]["body"]["messages"][1]
    assert "reasoning_replay" not in mimo.requests[-1]["body"]  # the package's setting, never MiMo's


def test_with_thinking_off_nothing_is_looked_up_or_changed(mimo):
    history, _, _ = first_turn(mimo)
    replay.memory._turns.clear()
    second_turn(mimo, history, thinking={"type": "disabled"})
    assert mimo.requests[-1]["body"]["thinking"] == {"type": "disabled"}
    assert "reasoning_content" not in mimo.requests[-1]["body"]["messages"][1]


def test_an_unknown_mode_is_refused_before_sending(mimo):
    with pytest.raises(litellm.BadRequestError, match="reasoning_replay='always': use one of store, strict, off"):
        litellm.completion(model=MODEL, messages=ASK, api_base=mimo.url, api_key="k", reasoning_replay="always")
    assert mimo.requests == []


# --- the store's bounds -------------------------------------------------------------------------


def test_the_store_keeps_at_most_its_turns_and_characters_oldest_out_first():
    store = replay.MemoryStore(max_turns=3, max_chars=100, ttl=60)
    for i in range(5):
        store.put(f"k{i}", "x" * 10)
    assert len(store) == 3 and store.get("k1") is None and store.get("k4") == "x" * 10
    store.put("big", "y" * 95)
    assert len(store) == 1 and store.chars == 95 and store.get("big")


def test_the_store_forgets_a_turn_after_its_age(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(replay.time, "monotonic", lambda: now[0])
    store = replay.MemoryStore(ttl=10)
    store.put("old", "r")
    now[0] += 11
    assert store.get("old") is None
    store.put("new", "r")
    assert len(store) == 1  # the expired one left when the next came


def test_the_store_does_not_grow_under_load():
    store = replay.MemoryStore(max_turns=100)
    for i in range(10_000):
        store.put(replay.turn_key("", [{"id": f"call_{i}", "function": {"name": "f", "arguments": "{}"}}]), "r" * 50)
    assert len(store) == 100 and store.chars == 100 * 50


# --- through the proxy ---------------------------------------------------------------------------


def test_the_proxy_reattaches_it_for_an_openai_client(proxy, mimo):
    client = openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=30)
    first = client.chat.completions.create(model="mimo-v2.6-pro", messages=ASK, tools=[WEATHER])
    served = mimo.requests[-1]
    calls = [c.model_dump() for c in first.choices[0].message.tool_calls]
    history = [*ASK, {"role": "assistant", "content": "", "tool_calls": calls},  # reasoning dropped
               *({"role": "tool", "tool_call_id": c["id"], "content": "Sunny"} for c in calls)]
    r = client.chat.completions.create(model="mimo-v2.6-pro", messages=history, tools=[WEATHER])
    assert r.choices[0].message.content == "The tool said: Sunny"
    reattached = mimo.requests[-1]["body"]["messages"][1]["reasoning_content"]
    assert reattached == f"The user said {served['body']['messages'][-1]['content']!r}; I will answer."
