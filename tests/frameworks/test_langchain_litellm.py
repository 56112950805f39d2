"""langchain-litellm (0.11) ``ChatLiteLLM(model="xiaomi/...")``: a ``bind_tools`` loop with the tool's
answer fed back (plain and streamed), and ``with_structured_output`` by forced function call and by
json_schema.

How it calls LiteLLM: ``litellm.completion(model, messages, tools, tool_choice?, response_format?,
stream, stream_options={"include_usage": True} when streaming, api_base, api_key, ...)``. It keeps
``reasoning_content`` (in ``additional_kwargs``) and the tool-call ids and sends both back, but it
re-serializes tool-call arguments from the parsed dict (``json.dumps``): what MiMo gets back is not
byte-for-byte what it sent."""

import pytest

pytest.importorskip("langchain_litellm")

from langchain_core.messages import HumanMessage, ToolMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_litellm import ChatLiteLLM  # noqa: E402

from .conftest import KEY, MODEL, Weather, assert_reasoning_replayed, bodies, tool_turns  # noqa: E402


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"



def chat(mimo) -> ChatLiteLLM:
    return ChatLiteLLM(model=MODEL, api_base=mimo.url, api_key=KEY)


def collect(stream):
    message = None
    for chunk in stream:
        message = chunk if message is None else message + chunk
    return message


@pytest.mark.parametrize("streamed", [False, True], ids=["invoke", "stream"])
def test_bind_tools_loop(mimo, streamed):
    mimo.scripted = [{"tool_calls": [("get_weather", '{"city":"Paris"}')]}]  # compact, as MiMo may write it
    bound = chat(mimo).bind_tools([get_weather])
    call = (lambda m: collect(bound.stream(m))) if streamed else bound.invoke
    messages = [HumanMessage("Paris")]
    ai = call(messages)
    assert ai.tool_calls == [{"name": "get_weather", "args": {"city": "Paris"}, "id": ai.tool_calls[0]["id"],
                              "type": "tool_call"}]
    messages += [ai, ToolMessage(get_weather.invoke(ai.tool_calls[0]["args"]), tool_call_id=ai.tool_calls[0]["id"])]
    final = call(messages)
    assert final.content == "The tool said: sunny in Paris" and not final.tool_calls
    first, second = bodies(mimo)
    assert first["stream"] is streamed and [t["function"]["name"] for t in first["tools"]] == ["get_weather"]
    [turn] = tool_turns(second)
    [sent_back] = turn["tool_calls"]
    assert sent_back["id"] == ai.tool_calls[0]["id"]
    assert sent_back["function"]["arguments"] == '{"city": "Paris"}'  # re-serialized by langchain
    assert second["messages"][-1] == {"role": "tool", "content": "sunny in Paris", "tool_call_id": sent_back["id"]}
    assert_reasoning_replayed(second, "Paris")


def test_structured_output_by_function_calling(mimo):
    result = chat(mimo).with_structured_output(Weather, method="function_calling").invoke("Paris")
    assert result == Weather(city="Paris", degrees=1)
    [body] = bodies(mimo)
    assert [t["function"]["name"] for t in body["tools"]] == ["Weather"]
    assert "tool_choice" not in body  # langchain sent "required": forced by instruction instead
    assert body["messages"][0]["role"] == "system" and "calling one of the functions" in body["messages"][0]["content"]


def test_structured_output_by_json_schema(mimo):
    result = chat(mimo).with_structured_output(Weather, method="json_schema").invoke("Paris")
    assert result == Weather(city="Paris", degrees=1)
    [body] = bodies(mimo)
    assert body["response_format"] == {"type": "json_object"}
    assert '"degrees": {"type": "integer"}' in body["messages"][0]["content"]


def test_structured_output_no_call_is_repaired_once_by_the_package(mimo):
    result = chat(mimo).with_structured_output(Weather, method="function_calling").invoke("Paris [standin:no-tool*1]")
    assert result.degrees == 1
    first, second = bodies(mimo)
    assert "cannot be used" in second["messages"][-1]["content"]


def test_structured_output_still_wrong_is_langchains_parsing_error(mimo):
    """After the one repair the answer is handed back as MiMo gave it: LangChain's own parser
    judges it, so ``include_raw=True`` reports a parsing error (and ``with_retry`` could act)."""
    result = chat(mimo).with_structured_output(Weather, method="json_schema", include_raw=True).invoke(
        "Paris [standin:bad-json*2]")
    assert result["parsed"] is None and result["parsing_error"] is not None
    assert result["raw"].content.startswith("Sure! In words rather than JSON")
    assert len(mimo.requests) == 2
