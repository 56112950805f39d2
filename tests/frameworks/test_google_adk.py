"""Google ADK (2.x) ``LiteLlm(model="xiaomi/...")`` in an ``LlmAgent`` with a function tool, run by an
``InMemoryRunner``, plain and streamed (SSE), and with an ``output_schema``.

How ADK calls LiteLLM: ``litellm.acompletion(model, messages, tools, api_base, api_key, stream?,
stream_options={"include_usage": True} when streaming, response_format? ...)``; ``reasoning_effort``
only from a ``thinking_config`` and only when ``get_supported_openai_params`` lists it. It keeps
MiMo's reasoning as thought parts and sends it back as ``reasoning_content``, keeps tool-call ids,
re-serializes tool-call arguments from the parsed dict, and sends a tool's result as JSON
(``{"result": ...}``)."""

import json

import pytest

pytest.importorskip("google.adk")

from google.adk.agents import LlmAgent  # noqa: E402
from google.adk.agents.run_config import RunConfig, StreamingMode  # noqa: E402
from google.adk.models.lite_llm import LiteLlm  # noqa: E402
from google.adk.runners import InMemoryRunner  # noqa: E402
from google.genai import types  # noqa: E402

from .conftest import KEY, MODEL, Weather, assert_reasoning_replayed, bodies, tool_turns  # noqa: E402


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"



async def run(agent, text="Paris", **kwargs) -> list:
    runner = InMemoryRunner(agent=agent, app_name="mimo")
    session = await runner.session_service.create_session(app_name="mimo", user_id="u")
    message = types.Content(role="user", parts=[types.Part(text=text)])
    return [event async for event in runner.run_async(user_id="u", session_id=session.id, new_message=message, **kwargs)]


def texts(events, *, thought=False, partial=False) -> list[str]:
    return [p.text for e in events if e.content and bool(e.partial) is partial
            for p in e.content.parts or () if p.text and bool(p.thought) is thought]


def model(mimo) -> LiteLlm:
    return LiteLlm(model=MODEL, api_base=mimo.url, api_key=KEY)


@pytest.mark.parametrize("streamed", [False, True], ids=["plain", "sse"])
async def test_function_tool_loop_with_thinking_on(mimo, streamed):
    mimo.scripted = [{"tool_calls": [("get_weather", '{"city":"Paris"}')]}]  # compact, as MiMo may write it
    agent = LlmAgent(name="weather", model=model(mimo), instruction="Be brief.", tools=[get_weather])
    config = RunConfig(streaming_mode=StreamingMode.SSE if streamed else StreamingMode.NONE)
    events = await run(agent, run_config=config)
    assert texts(events)[-1] == 'The tool said: {"result": "sunny in Paris"}'
    assert texts(events, thought=True)[0] == "The user said 'Paris'; I will answer."  # MiMo's reasoning, kept
    if streamed:
        assert "".join(texts(events, partial=True)).endswith('The tool said: {"result": "sunny in Paris"}')
    first, second = bodies(mimo)
    assert first.get("stream", False) is streamed
    if streamed:
        assert first["stream_options"] == {"include_usage": True}
    [turn] = tool_turns(second)
    [call] = turn["tool_calls"]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}  # re-serialized by ADK
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": call["id"],
                                      "content": json.dumps({"result": "sunny in Paris"})}
    assert_reasoning_replayed(second, "Paris")


async def test_output_schema(mimo):
    events = await run(LlmAgent(name="typed", model=model(mimo), output_schema=Weather))
    assert Weather.model_validate_json(texts(events)[-1]) == Weather(city="Paris", degrees=1)
    [body] = bodies(mimo)
    assert body["response_format"] == {"type": "json_object"}  # ADK asked for json_schema
    assert any('"degrees"' in m["content"] for m in body["messages"] if m["role"] == "system")


async def test_output_schema_repaired_once_by_the_package(mimo):
    events = await run(LlmAgent(name="typed", model=model(mimo), output_schema=Weather), "Paris [standin:bad-json*1]")
    assert Weather.model_validate_json(texts(events)[-1]).degrees == 1
    first, second = bodies(mimo)
    assert "cannot be used" in second["messages"][-1]["content"]
