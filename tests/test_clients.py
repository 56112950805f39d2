"""The clients people point at the proxy, beyond OpenAI chat: the official `anthropic` client on
`/v1/messages` (what Claude Code speaks) and the `openai` client's Responses API on `/v1/responses`
(what Codex speaks). LiteLLM bridges both to the chat path; these tests pin what works today,
including the tool round trip whose thinking block must reach MiMo as `reasoning_content`."""

import anthropic
import openai
import pytest

from litellm_mimo.testing import MASTER_KEY

HI = [{"role": "user", "content": "Hi claude"}]
WEATHER = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}
THOUGHT = "The user said 'Hi claude'; I will answer."


@pytest.fixture
def claude(shipped):
    # The base URL without /v1: the client adds /v1/messages itself.
    return anthropic.Anthropic(base_url=shipped.proxy.url, api_key=MASTER_KEY, max_retries=0)


@pytest.mark.parametrize("model", ["mimo-v2.6-pro", "xiaomi/mimo-v2.6-pro"])
def test_messages(claude, shipped, model):
    m = claude.messages.create(model=model, max_tokens=256, messages=HI)
    assert [b.type for b in m.content] == ["thinking", "text"]
    assert (m.content[0].thinking, m.content[1].text) == (THOUGHT, "Echo: Hi claude")
    assert shipped.mimo.requests[-1]["body"] == {"model": "mimo-v2.6-pro", "max_completion_tokens": 256, "messages": HI}


def test_messages_stream_carries_thinking_and_text_deltas(claude, shipped):
    with claude.messages.stream(model="mimo-v2.6-pro", max_tokens=256, messages=HI) as stream:
        events = list(stream)
        final = stream.get_final_message()
    deltas = [e.delta for e in events if e.type == "content_block_delta"]
    assert "".join(d.thinking for d in deltas if d.type == "thinking_delta") == THOUGHT
    assert "".join(d.text for d in deltas if d.type == "text_delta") == "Echo: Hi claude"
    assert final.content[-1].text == "Echo: Hi claude"
    usage = shipped.mimo.requests[-1]["usage"]
    assert final.usage.output_tokens == usage["completion_tokens"]  # MiMo's count, not a re-count
    assert shipped.mimo.requests[-1]["body"]["stream"] is True


@pytest.mark.parametrize("thinking,sent", [
    ({"type": "enabled", "budget_tokens": 1024}, {"reasoning_effort": "low"}),
    ({"type": "enabled", "budget_tokens": 4096}, {"reasoning_effort": "high"}),
    ({"type": "disabled"}, {"thinking": {"type": "disabled"}}),
])
def test_messages_thinking_reaches_mimo_as_its_effort(claude, shipped, thinking, sent):
    m = claude.messages.create(model="mimo-v2.6-pro", max_tokens=8192, thinking=thinking, messages=HI)
    body = shipped.mimo.requests[-1]["body"]
    assert {k: body[k] for k in sent} == sent
    assert (m.content[0].type == "thinking") is (thinking["type"] == "enabled")


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_tool_round_trip_sends_the_thinking_back_as_reasoning_content(claude, shipped, stream):
    """MiMo refuses a thinking-mode turn whose earlier tool call lost its reasoning (the replay
    rule): the thinking block Claude Code sends back must reach MiMo as reasoning_content."""
    ask = [{"role": "user", "content": "Paris"}]
    if stream:
        with claude.messages.stream(model="xiaomi/mimo-v2.6-pro", max_tokens=1024, tools=[WEATHER], messages=ask) as s:
            first = s.get_final_message()
    else:
        first = claude.messages.create(model="xiaomi/mimo-v2.6-pro", max_tokens=1024, tools=[WEATHER], messages=ask)
    assert first.stop_reason == "tool_use"
    thinking = next(b for b in first.content if b.type == "thinking")
    use = next(b for b in first.content if b.type == "tool_use")
    assert use.input == {"city": "Paris"}
    second = claude.messages.create(model="xiaomi/mimo-v2.6-pro", max_tokens=1024, tools=[WEATHER], messages=[
        *ask, {"role": "assistant", "content": [b.model_dump() for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "Sunny, 21C"}]}])
    assert second.content[-1].text == "The tool said: Sunny, 21C"
    sent = shipped.mimo.requests[-1]["body"]["messages"]
    assert sent[1]["reasoning_content"] == thinking.thinking
    assert sent[1]["tool_calls"][0]["id"] == use.id
    assert sent[2] == {"role": "tool", "tool_call_id": use.id, "content": "Sunny, 21C"}


@pytest.fixture
def responses(shipped):
    return openai.OpenAI(base_url=f"{shipped.proxy.url}/v1", api_key=MASTER_KEY, max_retries=0)


@pytest.mark.parametrize("model", ["mimo-v2.6-pro", "xiaomi/mimo-v2.6-pro"])
def test_responses(responses, shipped, model):
    r = responses.responses.create(model=model, input="Hi")
    assert r.output_text == "Echo: Hi"
    assert [o.type for o in r.output] == ["reasoning", "message"]
    assert shipped.mimo.requests[-1]["body"] == {"model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": "Hi"}]}


def test_responses_stream(responses, shipped):
    events = list(responses.responses.create(model="mimo-v2.6-pro", input="Hi", stream=True))
    reasoning = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert reasoning == "The user said 'Hi'; I will answer."
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "Echo: Hi"
    assert events[-1].type == "response.completed" and events[-1].response.output_text == "Echo: Hi"
    assert shipped.mimo.requests[-1]["body"]["stream"] is True
