"""instructor (1.17) on ``litellm.completion``: ``Mode.TOOLS`` (a forced function call) and
``Mode.JSON`` (json_object plus its own schema prompt), with instructor's own retry
(``max_retries=2``) recovering from answers that MiMo got wrong.

How instructor calls LiteLLM: TOOLS sends one function tool named after the response model and
``tool_choice={"type": "function", ...}``; JSON sends ``response_format={"type": "json_object"}``
and a system message of its own with the schema. On a retry it sends the failed answer back: in
TOOLS mode as the assistant turn with its tool call (id and arguments string kept as received,
``reasoning_content`` dropped) plus a ``tool`` message with the validation error."""

import pytest

instructor = pytest.importorskip("instructor")

import litellm  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402

from .conftest import KEY, MODEL, assert_reasoning_replayed, bodies, tool_turns  # noqa: E402


class City(BaseModel):
    name: str
    population: int


class BigCity(BaseModel):
    name: str
    population: int = Field(gt=1000)


def ask(mimo, mode, model, text, **kwargs):
    client = instructor.from_litellm(litellm.completion, mode=mode)
    return client.chat.completions.create(model=MODEL, api_base=mimo.url, api_key=KEY, response_model=model,
                                          max_retries=2, messages=[{"role": "user", "content": text}], **kwargs)


def test_tools_mode_forced_call_reaches_mimo_as_auto_with_an_instruction(mimo):
    city = ask(mimo, instructor.Mode.TOOLS, City, "Paris")
    assert city.model_dump() == {"name": "Paris", "population": 1}  # the stand-in's arguments follow the tool's schema
    [body] = bodies(mimo)
    assert [t["function"]["name"] for t in body["tools"]] == ["City"]
    assert "tool_choice" not in body  # MiMo honours only "auto": the package forces by instruction
    assert "City" in body["messages"][0]["content"] and body["messages"][0]["role"] == "system"


def test_tools_mode_retry_sends_the_tool_call_back_with_its_reasoning(mimo):
    """instructor's own retry after a validation error sends the failed tool-call turn back
    without its reasoning_content; thinking is on, so MiMo would answer 400 unless the package
    re-attaches it (the replay rule)."""
    mimo.scripted = [{"tool_calls": [("BigCity", '{"name": "Paris", "population": 1}')]},
                     {"tool_calls": [("BigCity", '{"name": "Paris", "population": 2100000}')]}]
    city = ask(mimo, instructor.Mode.TOOLS, BigCity, "Paris")
    assert city.model_dump() == {"name": "Paris", "population": 2100000}
    first, second = bodies(mimo)
    assert not tool_turns(first)
    [turn] = tool_turns(second)
    assert turn["tool_calls"][0]["function"]["arguments"] == '{"name": "Paris", "population": 1}'
    reask = second["messages"][-1]
    assert reask["role"] == "tool" and "greater than 1000" in reask["content"]
    assert reask["tool_call_id"] == turn["tool_calls"][0]["id"]
    assert_reasoning_replayed(second, "Paris")


def test_tools_mode_no_call_twice_is_handed_back_for_instructors_retry(mimo):
    """No tool call in the answer, nor in the package's one repair request: the package hands the
    answer back (flagged) instead of raising, and instructor's own retry asks again."""
    city = ask(mimo, instructor.Mode.TOOLS, City, "Paris [standin:no-tool*2]")
    assert isinstance(city, City) and city.population == 1
    sent = bodies(mimo)
    assert len(sent) == 3, [b["messages"][-1] for b in sent]
    assert "cannot be used" in sent[1]["messages"][-1]["content"]  # the package's repair request
    assert "No tool calls or function call found" in sent[2]["messages"][-1]["content"]  # instructor's retry
    assert all("tool_choice" not in b for b in sent)


def test_json_mode_sends_json_object_and_instructor_retries_prose(mimo):
    mimo.scripted = [{"content": "Paris has about 2.1 million people."},
                     {"content": '{"name": "Paris", "population": 2100000}'}]
    city = ask(mimo, instructor.Mode.JSON, City, "Paris")
    assert city.model_dump() == {"name": "Paris", "population": 2100000}
    first, second = bodies(mimo)
    assert first["response_format"] == {"type": "json_object"} == second["response_format"]
    assert '"population"' in first["messages"][0]["content"]  # instructor's own schema prompt
    assert second["messages"][-2] == {"role": "assistant", "content": "Paris has about 2.1 million people."}
    assert "Correct your JSON" in second["messages"][-1]["content"]


def test_json_mode_bad_json_cue_is_retried_by_instructor(mimo):
    """The cue marker makes MiMo's first JSON-mode answer prose; json_object carries no schema, so
    the package passes it through untouched and instructor's retry gets the JSON."""
    result = ask(mimo, instructor.Mode.JSON, Echo, "Paris [standin:bad-json*1]")
    sent = bodies(mimo)
    assert len(sent) == 2
    assert sent[1]["messages"][-2]["content"].startswith("Sure! In words rather than JSON")
    assert "Correct your JSON" in sent[1]["messages"][-1]["content"]
    assert result.echo == sent[1]["messages"][-1]["content"]  # the stand-in echoes the last text in JSON mode


class Echo(BaseModel):
    echo: str
