"""The OpenAI Agents SDK (0.24) through ``LitellmModel``: a tool loop with thinking on (the SDK
drops ``reasoning_content`` from the turns it sends back unless the model name contains
"deepseek"), the same loop streamed, a forced tool (``tool_choice="required"``) and a typed
``output_type`` (sent as ``response_format`` json_schema, which MiMo does not take).

How the SDK calls LiteLLM: ``litellm.acompletion(model, messages, tools (strict: true),
tool_choice, response_format, parallel_tool_calls (None unless set), stream, stream_options,
reasoning_effort (only from ModelSettings.reasoning), api_key, base_url)``. It keeps tool-call
ids and sends the arguments string back as it received it."""

import pytest

pytest.importorskip("agents")

from agents import Agent, ModelSettings, Runner, function_tool, set_tracing_disabled  # noqa: E402
from agents.exceptions import ModelBehaviorError  # noqa: E402
from agents.extensions.models.litellm_model import LitellmModel  # noqa: E402
from openai.types.responses import ResponseTextDeltaEvent  # noqa: E402

from .conftest import KEY, MODEL, Weather, assert_reasoning_replayed, bodies, tool_turns  # noqa: E402

set_tracing_disabled(True)  # no trace export (it would go to OpenAI)


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"



def model(mimo) -> LitellmModel:
    return LitellmModel(MODEL, api_key=KEY, base_url=mimo.url)


def assert_tool_loop(mimo, *, stream: bool) -> None:
    first, second = bodies(mimo)
    assert first["stream"] is stream and second["stream"] is stream
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather"]
    assert not tool_turns(first)
    [turn] = tool_turns(second)
    [call] = turn["tool_calls"]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": call["id"], "content": "sunny in Paris"}
    assert_reasoning_replayed(second, "Paris")


async def test_tool_loop_with_thinking_on(mimo):
    agent = Agent(name="weather", instructions="Be brief.", model=model(mimo), tools=[get_weather])
    result = await Runner.run(agent, "Paris")
    assert result.final_output == "The tool said: sunny in Paris"
    assert_tool_loop(mimo, stream=False)


async def test_tool_loop_streamed(mimo_env):
    """Configured by XIAOMI_API_BASE / XIAOMI_API_KEY alone; the replay must work from a stream's
    reasoning too."""
    agent = Agent(name="weather", model=LitellmModel(MODEL), tools=[get_weather])
    result = Runner.run_streamed(agent, "Paris")
    deltas = [e.data.delta async for e in result.stream_events()
              if e.type == "raw_response_event" and isinstance(e.data, ResponseTextDeltaEvent)]
    assert result.final_output == "The tool said: sunny in Paris"
    assert "".join(deltas) == "The tool said: sunny in Paris" and len(deltas) > 1
    assert_tool_loop(mimo_env, stream=True)


async def test_tool_loop_replayed_by_the_sdk_when_told(mimo):
    """The SDK's own switch, usable today: it then sends reasoning_content back itself."""
    replaying = LitellmModel(MODEL, api_key=KEY, base_url=mimo.url, should_replay_reasoning_content=lambda context: True)
    result = await Runner.run(Agent(name="weather", model=replaying, tools=[get_weather]), "Paris")
    assert result.final_output == "The tool said: sunny in Paris"
    assert_tool_loop(mimo, stream=False)


async def test_a_tool_call_turn_the_package_never_served_turns_thinking_off(mimo):
    """History from elsewhere (another process, a stored session): nothing is known of the turn's
    reasoning, so the package sends thinking disabled rather than getting MiMo's 400."""
    history = [{"role": "user", "content": "Rome"},
               {"type": "function_call", "call_id": "call_from_another_process", "name": "get_weather",
                "arguments": '{"city": "Rome"}'},
               {"type": "function_call_output", "call_id": "call_from_another_process", "output": "rainy in Rome"}]
    agent = Agent(name="weather", model=model(mimo), tools=[get_weather])
    result = await Runner.run(agent, history)
    assert result.final_output == "The tool said: rainy in Rome"
    [body] = bodies(mimo)
    [turn] = tool_turns(body)
    assert turn["tool_calls"][0]["id"] == "call_from_another_process" and not turn.get("reasoning_content")
    assert body["thinking"] == {"type": "disabled"}


async def test_required_tool(mimo):
    agent = Agent(name="weather", model=model(mimo), tools=[get_weather], tool_use_behavior="stop_on_first_tool",
                  model_settings=ModelSettings(tool_choice="required"))
    result = await Runner.run(agent, "Paris")
    assert result.final_output == "sunny in Paris"
    [body] = bodies(mimo)
    assert "tool_choice" not in body  # MiMo honours only "auto": forced by instruction instead
    assert body["messages"][0]["role"] == "system" and "calling one of the functions" in body["messages"][0]["content"]


async def test_output_type(mimo):
    result = await Runner.run(Agent(name="typed", model=model(mimo), output_type=Weather), "Paris")
    assert result.final_output == Weather(city="Paris", degrees=1)
    [body] = bodies(mimo)
    assert body["response_format"] == {"type": "json_object"}  # json_schema is not MiMo's
    assert '"degrees"' in body["messages"][0]["content"]  # the schema, as a system instruction


async def test_output_type_repaired_once_by_the_package(mimo):
    result = await Runner.run(Agent(name="typed", model=model(mimo), output_type=Weather),
                              "Paris [standin:bad-json*1]")
    assert result.final_output.degrees == 1
    first, second = bodies(mimo)
    assert second["messages"][-2]["content"].startswith("Sure! In words rather than JSON")
    assert "cannot be used" in second["messages"][-1]["content"]


async def test_output_type_still_wrong_reaches_the_sdks_own_validation(mimo):
    """After the one repair the answer is handed back as MiMo gave it: the SDK's own check fails
    it (ModelBehaviorError), not a LiteLLM APIError from the package."""
    with pytest.raises(ModelBehaviorError, match="Invalid JSON"):
        await Runner.run(Agent(name="typed", model=model(mimo), output_type=Weather), "Paris [standin:bad-json*2]")
    assert len(mimo.requests) == 2
