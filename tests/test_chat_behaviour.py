"""Chat behaviour that needs a live upstream (the stand-in on 127.0.0.1): credentials,
pre-flight rejections, timeouts, retries, connection reuse and real streaming."""

import logging
import socket
import threading

import httpx
import litellm
import pytest

import litellm_mimo
from litellm_mimo import provider

MODEL = "xiaomi/mimo-v2.6-pro"
HI = [{"role": "user", "content": "Hi"}]


@pytest.fixture
def no_env_key(monkeypatch):
    for name in ("XIAOMI_API_KEY", "XIAOMI_MIMO_API_KEY", "XIAOMI_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def test_missing_key_names_the_variable_and_sends_nothing(standin, no_env_key):
    with pytest.raises(litellm.AuthenticationError, match="XIAOMI_API_KEY"):
        litellm.completion(model=MODEL, messages=HI, api_base=standin.url)
    assert standin.requests == []


def test_key_and_base_from_the_environment(standin, no_env_key, monkeypatch):
    monkeypatch.setenv("XIAOMI_MIMO_API_KEY", "fallback-key")  # LiteLLM's built-in provider's name
    monkeypatch.setenv("XIAOMI_API_BASE", standin.url)
    r = litellm.completion(model=MODEL, messages=HI)
    assert r.choices[0].message.content == "Echo: Hi"
    monkeypatch.setenv("XIAOMI_API_KEY", "invalid-key")  # XIAOMI_API_KEY comes first
    with pytest.raises(litellm.AuthenticationError):
        litellm.completion(model=MODEL, messages=HI)
    assert len(standin.requests) == 2


def test_per_call_key_is_sent_as_bearer(no_env_key):
    seen = []

    def handle(request):
        seen.append(request)
        return httpx.Response(200, json={"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                                         "choices": [{"index": 0, "finish_reason": "stop",
                                                      "message": {"role": "assistant", "content": "ok"}}]})

    client = httpx.Client(transport=httpx.MockTransport(handle))
    litellm.completion(model=MODEL, messages=HI, api_key="per-call", api_base="https://mimo.example/v1/",
                       client=client, extra_headers={"X-Trace": "t1"})
    assert seen[0].headers["authorization"] == "Bearer per-call"
    assert seen[0].headers["x-trace"] == "t1"
    assert str(seen[0].url) == "https://mimo.example/v1/chat/completions"
    assert b"X-Trace" not in seen[0].content and b"extra_headers" not in seen[0].content


@pytest.mark.parametrize("effort", ["minimal", "max", "HIGH", ""])
def test_unknown_reasoning_effort_is_refused_before_sending(standin, effort):
    with pytest.raises(litellm.BadRequestError, match="none, low, medium, high"):
        litellm.completion(model=MODEL, messages=HI, reasoning_effort=effort, api_base=standin.url, api_key="k")
    assert standin.requests == []


@pytest.mark.parametrize("thinking,effort,sent_thinking,sent_effort", [
    ({"type": "enabled"}, "none", {"type": "enabled"}, None),
    ({"type": "disabled"}, "high", {"type": "disabled"}, None),
    ({"type": "enabled"}, "low", {"type": "enabled"}, "low"),
])
def test_explicit_thinking_wins_over_reasoning_effort(standin, thinking, effort, sent_thinking, sent_effort):
    litellm.completion(model=MODEL, messages=HI, thinking=thinking, reasoning_effort=effort,
                       api_base=standin.url, api_key="k")
    body = standin.requests[0]["body"]
    assert body["thinking"] == sent_thinking
    assert body.get("reasoning_effort") == sent_effort


def test_read_timeout_is_litellm_timeout(standin):
    with pytest.raises(litellm.Timeout):
        litellm.completion(model=MODEL, messages=HI, api_base=standin.url, api_key="k", timeout=0.3,
                           extra_headers={"X-Standin-Fault": "timeout", "X-Standin-Delay": "2"})


def test_refused_connection_is_api_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    with pytest.raises(litellm.APIConnectionError, match="Could not reach MiMo"):
        litellm.completion(model=MODEL, messages=HI, api_base=f"http://127.0.0.1:{port}/v1", api_key="k")


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_num_retries_retries_transient_errors(standin, fault):
    standin.queued_faults = [fault]
    r = litellm.completion(model=MODEL, messages=HI, api_base=standin.url, api_key="k", num_retries=2)
    assert r.choices[0].message.content == "Echo: Hi"
    assert len(standin.requests) == 2


def test_pooled_connection_is_reused_across_calls(standin):
    for _ in range(3):
        litellm.completion(model=MODEL, messages=HI, api_base=standin.url, api_key="k")
    assert len({r["peer"] for r in standin.requests}) == 1  # one keep-alive connection


def test_a_finished_stream_gives_its_connection_back(standin):
    """The stream is read to its end after [DONE], so the next call reuses the connection."""
    for _ in range(3):
        list(litellm.completion(model=MODEL, messages=HI, stream=True, api_base=standin.url, api_key="k"))
    litellm.completion(model=MODEL, messages=HI, api_base=standin.url, api_key="k")
    assert len({r["peer"] for r in standin.requests}) == 1


async def test_async_calls_share_one_client_per_loop(standin):
    for _ in range(3):
        await litellm.acompletion(model=MODEL, messages=HI, api_base=standin.url, api_key="k")
        async for _ in await litellm.acompletion(model=MODEL, messages=HI, stream=True, api_base=standin.url,
                                                 api_key="k"):
            pass
    assert len({r["peer"] for r in standin.requests}) == 1


def test_clients_of_closed_event_loops_are_let_go(standin):
    import asyncio

    for _ in range(4):  # a new event loop each time
        asyncio.run(litellm.acompletion(model=MODEL, messages=HI, api_base=standin.url, api_key="k"))
    assert len(provider.handler.clients._async) == 1


def test_sync_stream_error_is_raised_when_the_call_is_made(standin):
    with pytest.raises(litellm.RateLimitError):
        litellm.completion(model=MODEL, messages=HI, stream=True, api_base=standin.url, api_key="k",
                           extra_headers={"X-Standin-Fault": "429"})


def test_chunks_arrive_while_mimo_is_still_sending(standin):
    """The stand-in holds the rest of the stream until the test has seen the first content
    chunk: a client that buffered the whole answer would never see it, and the wait times out."""
    standin.stream_gate = threading.Event()
    stream = litellm.completion(model=MODEL, messages=HI, stream=True, api_base=standin.url, api_key="k",
                                thinking={"type": "disabled"})
    contents = []
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            contents.append(chunk.choices[0].delta.content)
            standin.stream_gate.set()
    assert standin.gate_released is True
    assert "".join(contents) == "Echo: Hi"


async def test_async_chunks_arrive_while_mimo_is_still_sending(standin):
    standin.stream_gate = threading.Event()
    stream = await litellm.acompletion(model=MODEL, messages=HI, stream=True, api_base=standin.url,
                                       api_key="k", thinking={"type": "disabled"})
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            standin.stream_gate.set()
    assert standin.gate_released is True


def test_key_never_reaches_logs_or_errors(standin, caplog):
    secret = "sk-" + "s3cr3t" * 5
    litellm._turn_on_debug()
    try:
        with caplog.at_level(logging.DEBUG):
            litellm.completion(model=MODEL, messages=HI, api_base=standin.url, api_key=secret)
            with pytest.raises(litellm.RateLimitError) as caught:
                litellm.completion(model=MODEL, messages=HI, api_base=standin.url, api_key=secret,
                                   extra_headers={"X-Standin-Fault": "429"})
    finally:
        litellm.suppress_debug_info = False
        litellm.set_verbose = False
        logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    assert secret not in caplog.text
    assert secret not in str(caught.value) and secret not in repr(caught.value)


def test_history_may_hold_litellm_objects_inside_dict_messages(standin):
    """A common pattern: {"role": "assistant", "tool_calls": response.choices[0].message.tool_calls}."""
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}}}}]
    first = litellm.completion(model=MODEL, messages=[{"role": "user", "content": "Paris"}], tools=tools,
                               api_base=standin.url, api_key="k")
    message = first.choices[0].message
    history = [{"role": "user", "content": "Paris"},
               {"role": "assistant", "content": "", "tool_calls": message.tool_calls,
                "reasoning_content": message.reasoning_content},
               {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "21C"}]
    litellm.completion(model=MODEL, messages=history, tools=tools, api_base=standin.url, api_key="k")
    sent = standin.requests[1]["body"]["messages"][1]
    assert sent["tool_calls"] == [{"id": c.id, "type": "function", "function": {
        "name": c.function.name, "arguments": c.function.arguments}} for c in message.tool_calls]
    assert sent["reasoning_content"] == message.reasoning_content
