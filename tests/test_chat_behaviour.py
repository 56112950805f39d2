"""Chat behaviour that needs a live upstream (the stand-in on 127.0.0.1): credentials,
pre-flight rejections, connection reuse and real streaming. Faults and retries: test_faults.py."""

import threading

import httpx
import litellm
import pytest

from litellm_mimo import provider

MODEL = "xiaomi/mimo-v2.6-pro"
HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture
def no_env_key(monkeypatch):
    for name in ("XIAOMI_API_KEY", "XIAOMI_MIMO_API_KEY", "XIAOMI_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def test_missing_key_names_the_variable_and_sends_nothing(mimo, no_env_key):
    with pytest.raises(litellm.AuthenticationError, match="XIAOMI_API_KEY"):
        litellm.completion(model=MODEL, messages=HI, api_base=mimo.url)
    assert mimo.requests == []


def test_key_and_base_from_the_environment(mimo, no_env_key, monkeypatch):
    monkeypatch.setenv("XIAOMI_MIMO_API_KEY", "fallback-key")  # LiteLLM's built-in provider's name
    monkeypatch.setenv("XIAOMI_API_BASE", mimo.url)
    r = litellm.completion(model=MODEL, messages=HI)
    assert r.choices[0].message.content == "Echo: Hi"
    monkeypatch.setenv("XIAOMI_API_KEY", "invalid-key")  # XIAOMI_API_KEY comes first
    with pytest.raises(litellm.AuthenticationError):
        litellm.completion(model=MODEL, messages=HI)
    assert len(mimo.requests) == 2


def test_per_call_key_is_sent_as_bearer(no_env_key):
    seen = []

    def handle(request):
        seen.append(request)
        return httpx.Response(200, json={"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                                         "choices": [{"index": 0, "finish_reason": "stop",
                                                      "message": {"role": "assistant", "content": "ok"}}]})

    client = httpx.Client(transport=httpx.MockTransport(handle))
    litellm.completion(model=MODEL, messages=HI, api_key="per-call", api_base="https://mimo.example/v1/",
                       client=client, extra_headers={"X-Trace": "t1", "api-key": "other", "Authorization": "Bearer other"})
    assert seen[0].headers["authorization"] == "Bearer per-call"  # a caller's header never replaces the key
    assert "api-key" not in seen[0].headers  # MiMo would prefer it to Authorization
    assert seen[0].headers["x-trace"] == "t1"
    assert str(seen[0].url) == "https://mimo.example/v1/chat/completions"
    assert b"X-Trace" not in seen[0].content and b"extra_headers" not in seen[0].content


@pytest.mark.parametrize("effort", ["minimal", "max", "HIGH", ""])
def test_unknown_reasoning_effort_is_refused_before_sending(mimo, effort):
    with pytest.raises(litellm.BadRequestError, match="none, low, medium, high"):
        litellm.completion(model=MODEL, messages=HI, reasoning_effort=effort, api_base=mimo.url, api_key="k")
    assert mimo.requests == []


@pytest.mark.parametrize("thinking,effort,sent_thinking,sent_effort", [
    ({"type": "enabled"}, "none", {"type": "enabled"}, None),
    ({"type": "disabled"}, "high", {"type": "disabled"}, None),
    ({"type": "enabled"}, "low", {"type": "enabled"}, "low"),
])
def test_explicit_thinking_wins_over_reasoning_effort(mimo, thinking, effort, sent_thinking, sent_effort):
    litellm.completion(model=MODEL, messages=HI, thinking=thinking, reasoning_effort=effort,
                       api_base=mimo.url, api_key="k")
    body = mimo.requests[0]["body"]
    assert body["thinking"] == sent_thinking
    assert body.get("reasoning_effort") == sent_effort


def test_pooled_connection_is_reused_across_calls(mimo):
    for _ in range(3):
        litellm.completion(model=MODEL, messages=HI, api_base=mimo.url, api_key="k")
    assert len({r["peer"] for r in mimo.requests}) == 1  # one keep-alive connection


def test_a_finished_stream_gives_its_connection_back(mimo):
    """The stream is read to its end after [DONE], so the next call reuses the connection."""
    for _ in range(3):
        list(litellm.completion(model=MODEL, messages=HI, stream=True, api_base=mimo.url, api_key="k"))
    litellm.completion(model=MODEL, messages=HI, api_base=mimo.url, api_key="k")
    assert len({r["peer"] for r in mimo.requests}) == 1


async def test_async_calls_share_one_client_per_loop(mimo):
    for _ in range(3):
        await litellm.acompletion(model=MODEL, messages=HI, api_base=mimo.url, api_key="k")
        async for _ in await litellm.acompletion(model=MODEL, messages=HI, stream=True, api_base=mimo.url,
                                                 api_key="k"):
            pass
    assert len({r["peer"] for r in mimo.requests}) == 1


def test_clients_of_closed_event_loops_are_let_go(mimo):
    import asyncio

    for _ in range(4):  # a new event loop each time
        asyncio.run(litellm.acompletion(model=MODEL, messages=HI, api_base=mimo.url, api_key="k"))
    assert len(provider.handler.clients._async) == 1


def test_sync_stream_error_is_raised_when_the_call_is_made(mimo):
    with pytest.raises(litellm.RateLimitError):
        litellm.completion(model=MODEL, messages=HI, stream=True, api_base=mimo.url, api_key="k",
                           extra_headers={"X-Standin-Fault": "429"})


def test_chunks_arrive_while_mimo_is_still_sending(mimo):
    """The stand-in holds the rest of the stream until the test has seen the first content
    chunk: a client that buffered the whole answer would never see it, and the wait times out."""
    mimo.stream_gate = threading.Event()
    stream = litellm.completion(model=MODEL, messages=HI, stream=True, api_base=mimo.url, api_key="k",
                                thinking={"type": "disabled"})
    contents = []
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            contents.append(chunk.choices[0].delta.content)
            mimo.stream_gate.set()
    assert mimo.gate_released is True
    assert "".join(contents) == "Echo: Hi"


async def test_async_chunks_arrive_while_mimo_is_still_sending(mimo):
    mimo.stream_gate = threading.Event()
    stream = await litellm.acompletion(model=MODEL, messages=HI, stream=True, api_base=mimo.url,
                                       api_key="k", thinking={"type": "disabled"})
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            mimo.stream_gate.set()
    assert mimo.gate_released is True


def test_history_may_hold_litellm_objects_inside_dict_messages(mimo):
    """A common pattern: {"role": "assistant", "tool_calls": response.choices[0].message.tool_calls}."""
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}}}}]
    first = litellm.completion(model=MODEL, messages=[{"role": "user", "content": "Paris"}], tools=tools,
                               api_base=mimo.url, api_key="k")
    message = first.choices[0].message
    history = [{"role": "user", "content": "Paris"},
               {"role": "assistant", "content": "", "tool_calls": message.tool_calls,
                "reasoning_content": message.reasoning_content},
               {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "21C"}]
    litellm.completion(model=MODEL, messages=history, tools=tools, api_base=mimo.url, api_key="k")
    sent = mimo.requests[1]["body"]["messages"][1]
    assert sent["tool_calls"] == [{"id": c.id, "type": "function", "function": {
        "name": c.function.name, "arguments": c.function.arguments}} for c in message.tool_calls]
    assert sent["reasoning_content"] == message.reasoning_content


@pytest.mark.parametrize("call", [
    lambda mimo: litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "Hi"}],
                                    web_search_options={"filters": {}}, api_base=mimo.url, api_key="k"),
    lambda mimo: litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "Hi"}],
                                    max_retries=-1, api_base=mimo.url, api_key="k"),
    lambda mimo: litellm.speech(model="xiaomi/mimo-v2.5-tts", input="Hi.", response_format="opus",
                                api_base=mimo.url, api_key="k"),
], ids=["chat", "chat setting", "speech"])
def test_a_refusal_names_the_calls_model_and_provider(mimo, call):
    """Checks raise without knowing the model; where the call enters the package, it is stamped."""
    with pytest.raises(litellm.BadRequestError) as caught:
        call(mimo)
    assert caught.value.model in ("mimo-v2.6-pro", "xiaomi/mimo-v2.5-tts") and caught.value.llm_provider == "xiaomi"
    assert mimo.requests == []
