"""pydantic-ai (2.x) through LiteLLM's proxy on the shipped config (the ``proxy`` fixture), as an
OpenAI-compatible endpoint: a tool, and a typed ``output_type``.

How pydantic-ai calls it (``OpenAIChatModel``, official ``openai`` client): ``model, messages,
tools (strict when the schema allows), tool_choice ("auto" with function tools, "required" when
only output tools are offered), parallel_tool_calls (only if set), stream_options, reasoning_effort
(only from its thinking settings)``. Its default ``output_type`` mode is a tool (``final_result``).
It reads ``reasoning_content`` into thinking parts and sends it back as ``reasoning_content``
(measured with 2.68 straight against the stand-in: its tool loop keeps the replay rule by itself);
it keeps tool-call ids and re-serializes the arguments (compact JSON, ``{"city":"Paris"}``)."""

import pytest

pytest.importorskip("pydantic_ai")

from pydantic_ai import Agent, NativeOutput  # noqa: E402
from pydantic_ai.models.openai import OpenAIChatModel  # noqa: E402
from pydantic_ai.providers.openai import OpenAIProvider  # noqa: E402

from .conftest import Weather, assert_reasoning_replayed, bodies, tool_turns  # noqa: E402

try:  # where the proxy helpers live (moved from tests/proxy.py)
    from litellm_mimo.testing import MASTER_KEY
except ImportError:  # pragma: no cover
    from tests.proxy import MASTER_KEY



def model(proxy) -> OpenAIChatModel:
    return OpenAIChatModel("mimo-v2.6-pro", provider=OpenAIProvider(base_url=f"{proxy.url}/v1", api_key=MASTER_KEY))


async def test_tool_loop_with_thinking_on(proxy, mimo):
    agent = Agent(model(proxy))

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"sunny in {city}"

    result = await agent.run("Paris")
    assert result.output == "The tool said: sunny in Paris"
    first, second = bodies(mimo)
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather"]
    [turn] = tool_turns(second)
    [call] = turn["tool_calls"]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}  # re-serialized, compact
    assert second["messages"][-1]["role"] == "tool" and second["messages"][-1]["content"] == "sunny in Paris"
    assert second["messages"][-1]["tool_call_id"] == call["id"]
    assert_reasoning_replayed(second, "Paris")


async def test_output_type_by_output_tool(proxy, mimo):
    """pydantic-ai's default: an output tool, forced (tool_choice "required")."""
    result = await Agent(model(proxy), output_type=Weather).run("Paris")
    assert result.output == Weather(city="Paris", degrees=1)
    [body] = bodies(mimo)
    assert [t["function"]["name"] for t in body["tools"]] == ["final_result"]
    assert "tool_choice" not in body  # forced by instruction instead
    assert any("calling" in m["content"] for m in body["messages"] if m["role"] == "system")


async def test_output_type_native(proxy, mimo):
    """``NativeOutput``: response_format json_schema, sent to MiMo as json_object plus the schema."""
    result = await Agent(model(proxy), output_type=NativeOutput(Weather)).run("Paris")
    assert result.output == Weather(city="Paris", degrees=1)
    [body] = bodies(mimo)
    assert body["response_format"] == {"type": "json_object"}
    assert any('"degrees"' in m["content"] for m in body["messages"] if m["role"] == "system")


async def test_output_type_still_wrong_reaches_pydantic_ais_own_retry(proxy, mimo):
    """Prose twice (the first answer and the package's repair): handed back as MiMo gave it,
    pydantic-ai's own output validation asks again (its ``output_retries``) and the third answer
    is valid JSON."""
    result = await Agent(model(proxy), output_type=NativeOutput(Weather)).run("Paris [standin:bad-json*2]")
    assert result.output.degrees == 1
    sent = bodies(mimo)
    assert len(sent) == 3
    assert "cannot be used" in sent[1]["messages"][-1]["content"]  # the package's repair
    assert sent[2]["messages"][-1]["role"] == "user"
    assert "failed the application's validation" in sent[2]["messages"][-1]["content"]  # pydantic-ai's retry
