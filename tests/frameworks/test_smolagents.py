"""smolagents (1.26) ``ToolCallingAgent`` with ``LiteLLMModel(model_id="xiaomi/...")`` and one ``@tool``,
run to a final answer.

How it calls LiteLLM: ``litellm.completion(model, messages, tools (its tools + final_answer),
tool_choice="required", stop=["Observation:", "Calling tools:"], api_base, api_key)``. It does not
send tool calls back as ``tool_calls``: its memory renders them as assistant text ("Calling tools:
[...]") and the tool's output as a user message ("Observation: ..."). So the replay rule never
applies, ids and arguments are only text, and ``reasoning_content`` is dropped."""

import pytest

pytest.importorskip("smolagents")

from smolagents import LiteLLMModel, ToolCallingAgent, tool  # noqa: E402

from .conftest import KEY, MODEL, bodies, last_text, tool_turns  # noqa: E402


@tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city's name.
    """
    return f"sunny in {city}"


FINAL = ("final_answer", '{"answer": "It is sunny in Paris."}')


def run(mimo, task="Paris"):
    model = LiteLLMModel(model_id=MODEL, api_base=mimo.url, api_key=KEY)
    return ToolCallingAgent(tools=[get_weather], model=model, max_steps=4, verbosity_level=0).run(task)


def test_tool_then_final_answer(mimo):
    mimo.scripted = [{"tool_calls": [("get_weather", '{"city": "Paris"}')]}, {"tool_calls": [FINAL]}]
    assert run(mimo) == "It is sunny in Paris."
    first, second = bodies(mimo)
    for body in (first, second):
        assert [t["function"]["name"] for t in body["tools"]] == ["get_weather", "final_answer"]
        assert "tool_choice" not in body  # smolagents sends "required": forced by instruction
        assert {"role": "system", "content": "You must answer by calling one of the functions you have been given."} \
            in body["messages"]
        assert body["stop"] == ["Observation:", "Calling tools:"]
    assert not tool_turns(second)  # the call went back as text
    assert "Calling tools:" in last_text(second["messages"][-2]) and "get_weather" in last_text(second["messages"][-2])
    assert last_text(second["messages"][-1]) == "Observation:\nsunny in Paris"


def test_no_call_is_repaired_once_by_the_package(mimo):
    mimo.scripted = [{"content": "I think it is sunny."}, {"tool_calls": [FINAL]}]
    assert run(mimo) == "It is sunny in Paris."
    first, second = bodies(mimo)
    assert "cannot be used" in last_text(second["messages"][-1])  # the package's repair request


def test_no_call_twice_is_handed_back_for_smolagents_own_retry(mimo):
    """No call after the package's one repair either: the answer is handed back as MiMo gave it,
    smolagents records a parsing error and its next step asks again (before the hand-back, the
    package raised and the run died with AgentGenerationError)."""
    mimo.scripted = [{"content": "I think it is sunny."}, {"content": "Still sunny, I think."}, {"tool_calls": [FINAL]}]
    assert run(mimo) == "It is sunny in Paris."
    sent = bodies(mimo)
    assert len(sent) == 3
    assert "Error while parsing tool call" in last_text(sent[2]["messages"][-1])
