"""The public chat API end to end, replayed from cassettes (cassettes/chat_*.yaml).

Each test asserts what MiMo received (the recorded request, which the JSON-body matcher
also holds the replay to) and that what came back reached the caller unchanged.
"""

import json

import litellm
import pytest

from tests.conftest import answer, cassette_precondition, creds, recorder, sent, stream_events

MODEL = "xiaomi/mimo-v2.6-pro"
HI = [{"role": "user", "content": "Hi, who are you?"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def test_plain_completion_returns_content_reasoning_and_usage(mimo_api):
    with recorder.use_cassette("chat_plain.yaml") as cass:
        r = litellm.completion(model=MODEL, messages=HI, **creds(mimo_api))
    assert sent(cass) == {"model": "mimo-v2.6-pro", "messages": HI}
    assert cass.requests[0].path.endswith("/chat/completions")
    mimo = answer(cass)
    message = mimo["choices"][0]["message"]
    assert r.choices[0].message.content == message["content"]
    assert r.choices[0].message.reasoning_content == message["reasoning_content"]
    assert r.id == mimo["id"]
    assert r.usage.prompt_tokens == mimo["usage"]["prompt_tokens"]
    assert r.usage.completion_tokens == mimo["usage"]["completion_tokens"]
    assert r.usage.completion_tokens_details.reasoning_tokens == mimo["usage"]["completion_tokens_details"]["reasoning_tokens"]
    expected_cost = mimo["usage"]["prompt_tokens"] * 0.435e-6 + mimo["usage"]["completion_tokens"] * 0.87e-6
    assert r._hidden_params["response_cost"] == pytest.approx(expected_cost)
    assert litellm.completion_cost(completion_response=r) == pytest.approx(expected_cost)


async def test_async_completion(mimo_api):
    with recorder.use_cassette("chat_async.yaml") as cass:
        r = await litellm.acompletion(model=MODEL, messages=HI, **creds(mimo_api))
    assert sent(cass) == {"model": "mimo-v2.6-pro", "messages": HI}
    assert r.choices[0].message.content == answer(cass)["choices"][0]["message"]["content"]
    assert r.choices[0].message.reasoning_content


def test_thinking_disabled_is_forwarded_unchanged(mimo_api):
    with recorder.use_cassette("chat_thinking_disabled.yaml") as cass:
        r = litellm.completion(model=MODEL, messages=HI, thinking={"type": "disabled"}, **creds(mimo_api))
    assert sent(cass)["thinking"] == {"type": "disabled"}
    cassette_precondition("reasoning_content" not in answer(cass)["choices"][0]["message"], "MiMo sent no reasoning")
    assert r.choices[0].message.content == answer(cass)["choices"][0]["message"]["content"]
    assert getattr(r.choices[0].message, "reasoning_content", None) is None


def test_reasoning_effort_none_is_sent_as_thinking_disabled(mimo_api):
    with recorder.use_cassette("chat_reasoning_effort_none.yaml") as cass:
        litellm.completion(model=MODEL, messages=HI, reasoning_effort="none", **creds(mimo_api))
    body = sent(cass)
    assert body["thinking"] == {"type": "disabled"}
    assert "reasoning_effort" not in body


def test_reasoning_effort_high_is_forwarded(mimo_api):
    with recorder.use_cassette("chat_reasoning_effort_high.yaml") as cass:
        r = litellm.completion(model=MODEL, messages=HI, reasoning_effort="high", **creds(mimo_api))
    assert sent(cass)["reasoning_effort"] == "high"
    assert "thinking" not in sent(cass)
    assert r.choices[0].message.reasoning_content


def test_multi_turn_tool_calling_replays_reasoning_content(mimo_api):
    """Thinking mode + tools: the assistant turn is sent back with its reasoning_content,
    or MiMo answers 400 (the official replay rule)."""
    messages = [{"role": "user", "content": "Paris"}]
    with recorder.use_cassette("chat_tools_reasoning_replay.yaml") as cass:
        first = litellm.completion(model=MODEL, messages=messages, tools=[WEATHER_TOOL], tool_choice="auto",
                                   **creds(mimo_api))
        call = first.choices[0].message.tool_calls[0]
        history = messages + [first.choices[0].message,
                              {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21}'}]
        second = litellm.completion(model=MODEL, messages=history, tools=[WEATHER_TOOL], **creds(mimo_api))
    turn1 = answer(cass, 0)["choices"][0]
    assert sent(cass, 0)["tools"] == [WEATHER_TOOL]
    assert sent(cass, 0)["tool_choice"] == "auto"
    assert first.choices[0].finish_reason == turn1["finish_reason"] == "tool_calls"
    assert [c.id for c in first.choices[0].message.tool_calls] == [c["id"] for c in turn1["message"]["tool_calls"]]
    assert json.loads(call.function.arguments) == json.loads(turn1["message"]["tool_calls"][0]["function"]["arguments"])
    replayed = sent(cass, 1)["messages"]
    assert replayed[1]["role"] == "assistant"
    assert replayed[1]["reasoning_content"] == turn1["message"]["reasoning_content"]
    assert replayed[1]["tool_calls"] == turn1["message"]["tool_calls"]
    assert replayed[2] == {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21}'}
    assert second.choices[0].message.content == answer(cass, 1)["choices"][0]["message"]["content"]


def test_reasoning_content_missing_from_history_is_mimos_400(mimo_api):
    """With reasoning_replay="strict" an unknown turn is sent as given (the default sends it with
    thinking disabled instead: tests/test_replay.py)."""
    history = [
        {"role": "user", "content": "Paris"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_6a6367a580324363b44d47cc", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": "call_6a6367a580324363b44d47cc", "content": "21C"},
    ]
    with recorder.use_cassette("chat_error_replay_rule.yaml") as cass:
        with pytest.raises(litellm.BadRequestError) as caught:
            litellm.completion(model=MODEL, messages=history, tools=[WEATHER_TOOL], reasoning_replay="strict",
                               **creds(mimo_api))
    error = answer(cass)["error"]
    cassette_precondition(error["message"] == "Param Incorrect", "MiMo put the real reason in `param`")
    assert error["param"] in str(caught.value)
    assert "reasoning_content in the thinking mode must be passed back" in str(caught.value)


def test_sync_stream_delivers_reasoning_content_and_mimos_usage(mimo_api):
    with recorder.use_cassette("chat_stream.yaml") as cass:
        stream = litellm.completion(model=MODEL, messages=HI, stream=True, stream_options={"include_usage": True},
                                    **creds(mimo_api))
        chunks = list(stream)
    assert sent(cass) == {"model": "mimo-v2.6-pro", "messages": HI, "stream": True,
                          "stream_options": {"include_usage": True}}
    events = stream_events(cass)
    reasoning = "".join(e["choices"][0]["delta"]["reasoning_content"] or "" for e in events if e["choices"])
    content = "".join(e["choices"][0]["delta"]["content"] or "" for e in events if e["choices"])
    assert "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices) == reasoning
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == content
    mimo_usage = events[-1]["usage"]
    assert chunks[-1].usage.prompt_tokens == mimo_usage["prompt_tokens"]
    assert chunks[-1].usage.completion_tokens == mimo_usage["completion_tokens"]
    built = litellm.stream_chunk_builder(chunks)
    assert built.choices[0].message.content == content
    assert built.choices[0].message.reasoning_content == reasoning
    assert built.choices[0].finish_reason == "stop"
    assert built.usage.completion_tokens_details.reasoning_tokens == mimo_usage["completion_tokens_details"]["reasoning_tokens"]


async def test_async_stream(mimo_api):
    with recorder.use_cassette("chat_stream_async.yaml") as cass:
        stream = await litellm.acompletion(model=MODEL, messages=HI, stream=True,
                                           stream_options={"include_usage": True}, **creds(mimo_api))
        chunks = [chunk async for chunk in stream]
    events = stream_events(cass)
    content = "".join(e["choices"][0]["delta"]["content"] or "" for e in events if e["choices"])
    built = litellm.stream_chunk_builder(chunks)
    assert built.choices[0].message.content == content
    assert built.choices[0].message.reasoning_content
    assert built.usage.prompt_tokens == events[-1]["usage"]["prompt_tokens"]
    assert built.usage.completion_tokens == events[-1]["usage"]["completion_tokens"]


def test_streamed_tool_call_fragments_rebuild(mimo_api):
    with recorder.use_cassette("chat_stream_tools.yaml") as cass:
        chunks = list(litellm.completion(model=MODEL, messages=[{"role": "user", "content": "Paris"}],
                                         tools=[WEATHER_TOOL], stream=True, **creds(mimo_api)))
    fragments = [tc for e in stream_events(cass) if e["choices"] for tc in e["choices"][0]["delta"]["tool_calls"] or []]
    cassette_precondition(len(fragments) >= 2 and fragments[1]["id"] is None, "id and name only on the first fragment")
    built = litellm.stream_chunk_builder(chunks)
    call = built.choices[0].message.tool_calls[0]
    assert call.id == fragments[0]["id"]
    assert call.function.name == "get_weather"
    assert call.function.arguments == "".join(f["function"]["arguments"] for f in fragments if f["index"] == 0)
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert built.choices[0].finish_reason == "tool_calls"


def test_openai_compatible_fields_are_all_forwarded(mimo_api):
    messages = [
        {"role": "system", "content": "You are terse."},
        {"role": "developer", "content": "Answer in English."},
        {"role": "user", "content": [
            {"type": "text", "text": "What is in this picture and this clip?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "input_audio", "input_audio": {"data": "data:audio/wav;base64,UklGRgAAAABXQVZF"}},
        ]},
    ]
    extra = dict(
        max_completion_tokens=256, temperature=0.3, top_p=0.9, frequency_penalty=0.5, presence_penalty=-0.5,
        stop=["\n\n", "END"], response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
        tools=[WEATHER_TOOL, {"type": "web_search", "max_keyword": 3}], tool_choice="required",
        user="user-42", seed=7, mimo_future_option={"a": 1}, extra_body={"top_k": 40},
    )
    # json_schema and a forced tool_choice are bridged (test_structured.py); "native" sends them as given.
    with recorder.use_cassette("chat_forwarding.yaml") as cass:
        litellm.completion(model=MODEL, messages=messages, thinking={"type": "disabled"}, structured_outputs="native",
                           **extra, **creds(mimo_api))
    body = sent(cass)
    assert body["messages"] == messages
    for key, value in extra.items():
        if key != "extra_body":
            assert body[key] == value, key
    assert body["top_k"] == 40  # extra_body merged at the top level, like the OpenAI SDK
    assert "max_tokens" not in body


def test_max_tokens_is_sent_as_max_completion_tokens(mimo_api):
    with recorder.use_cassette("chat_max_tokens.yaml") as cass:
        r = litellm.completion(model=MODEL, messages=HI, max_tokens=5, thinking={"type": "disabled"}, **creds(mimo_api))
    assert sent(cass)["max_completion_tokens"] == 5
    assert "max_tokens" not in sent(cass)
    assert r.choices[0].message.content == answer(cass)["choices"][0]["message"]["content"]


def test_one_million_context_id_is_forwarded_verbatim(mimo_api):
    with recorder.use_cassette("chat_1m.yaml") as cass:
        r = litellm.completion(model="xiaomi/mimo-v2.6-pro[1m]", messages=HI, **creds(mimo_api))
    assert sent(cass)["model"] == "mimo-v2.6-pro[1m]"
    assert r.choices[0].message.content == answer(cass)["choices"][0]["message"]["content"]


def test_cached_prompt_tokens_reach_the_caller(mimo_api):
    system = "You are a careful assistant. " * 10
    with recorder.use_cassette("chat_cached_tokens.yaml") as cass:
        r = litellm.completion(model=MODEL, messages=[{"role": "system", "content": system}, *HI], **creds(mimo_api))
    usage = answer(cass)["usage"]
    cassette_precondition(usage["prompt_tokens_details"]["cached_tokens"] > 0, "MiMo counted cached tokens")
    assert r.usage.prompt_tokens_details.cached_tokens == usage["prompt_tokens_details"]["cached_tokens"]
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    expected = ((usage["prompt_tokens"] - cached) * 0.435e-6 + cached * 0.0036e-6
                + usage["completion_tokens"] * 0.87e-6)
    assert r._hidden_params["response_cost"] == pytest.approx(expected)
