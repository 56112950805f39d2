"""Structured outputs and forced tool calls bridged onto MiMo, which documents only json_object
and treats every tool_choice as "auto" (the stand-in does the same, and refuses json_schema):
what MiMo receives, validation, the one repair request and its usage, streams, the opt-outs, and
the `openai` client's parse() through the proxy."""

import json
import logging
import re

import litellm
import openai
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litellm_mimo import errors, structured
from litellm_mimo.testing import MASTER_KEY

MODEL = "xiaomi/mimo-v2.6-pro"
ASK = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Paris?"}]


class City(pydantic.BaseModel):
    name: str
    population: int


CITY = City.model_json_schema() | {"additionalProperties": False}
CITY_FORMAT = {"type": "json_schema", "json_schema": {"name": "City", "schema": CITY, "strict": True}}
PARIS = '{"name": "Paris", "population": 2100000}'
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {
    "type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}}}


def complete(mimo, **kwargs):
    return litellm.completion(model=MODEL, messages=ASK, api_base=mimo.url, api_key="k", **kwargs)


def instruction(schema: dict) -> dict:
    return {"role": "system", "content": structured.JSON_INSTRUCTION.format(schema=json.dumps(schema))}


# --- json_schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize("response_format", [CITY_FORMAT, City], ids=["json_schema", "pydantic"])
def test_json_schema_reaches_mimo_as_json_mode_and_an_instruction(mimo, response_format):
    mimo.scripted = [{"content": PARIS}]
    r = complete(mimo, response_format=response_format)
    assert City.model_validate_json(r.choices[0].message.content) == City(name="Paris", population=2100000)
    body = mimo.requests[0]["body"]
    assert body["response_format"] == {"type": "json_object"}  # never json_schema, which MiMo refuses
    schema = json.loads(body["messages"][1]["content"].split("\n", 1)[1])
    assert body["messages"] == [ASK[0], instruction(schema), ASK[1]]  # after the caller's system message
    assert schema["required"] == ["name", "population"]
    assert len(mimo.requests) == 1


async def test_an_invalid_answer_gets_one_repair_request_and_both_calls_count(mimo):
    mimo.scripted = [{"content": '{"name": "Paris"}'}, {"content": PARIS}]
    r = await litellm.acompletion(model=MODEL, messages=ASK, api_base=mimo.url, api_key="k", response_format=City)
    assert r.choices[0].message.content == PARIS
    first, second = (q["body"] for q in mimo.requests)
    assert second["messages"][:-2] == first["messages"]
    assert second["messages"][-2] == {"role": "assistant", "content": '{"name": "Paris"}'}
    assert second["messages"][-1] == {"role": "user", "content": structured.REPAIR_INSTRUCTION.format(
        problem="the answer breaks the schema at $: 'population' is a required property")}
    counted = [q["usage"] for q in mimo.requests]
    assert r.usage.prompt_tokens == sum(u["prompt_tokens"] for u in counted)
    assert r.usage.completion_tokens == sum(u["completion_tokens"] for u in counted)
    priced = sum(u["prompt_tokens"] - u["prompt_tokens_details"].get("cached_tokens", 0) for u in counted) * 0.435e-6 \
        + sum(u["prompt_tokens_details"].get("cached_tokens", 0) for u in counted) * 0.0036e-6 \
        + sum(u["completion_tokens"] for u in counted) * 0.87e-6
    assert r._hidden_params["response_cost"] == pytest.approx(priced)


@pytest.mark.parametrize("answers,words", [
    (['{"name": "Paris"}', '{"name": "Paris", "population": "many"}'], "at $.population: 'many' is not of type 'integer'"),
    (["Paris has about two million people.", "Still prose."], "is not valid JSON"),
])
def test_a_second_invalid_answer_is_handed_back_flagged(mimo, answers, words, caplog):
    """After the one repair the answer is the framework's to validate and retry (issue 23: raising
    aborted agent runs and was retried, repair and all, by the Router and the client)."""
    mimo.scripted = [{"content": a} for a in answers]
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        r = complete(mimo, response_format=CITY_FORMAT)
    assert r.choices[0].message.content == answers[1]
    assert words in r.choices[0].message.provider_specific_fields[structured.PROBLEM_FIELD]
    assert words in r._hidden_params["additional_headers"][structured.PROBLEM_HEADER]
    assert "Handed back as MiMo gave it" in caplog.text
    assert len(mimo.requests) == 2


@pytest.mark.parametrize("answers,words", [
    (['{"name": "Paris"}', '{"name": "Paris", "population": "many"}'], "at $.population: 'many' is not of type 'integer'"),
    (["Paris has about two million people.", "Still prose."], "is not valid JSON"),
])
def test_strict_raises_a_422_after_the_repair(mimo, answers, words):
    mimo.scripted = [{"content": a} for a in answers]
    with pytest.raises(litellm.UnprocessableEntityError) as caught:
        complete(mimo, response_format=CITY_FORMAT, structured_outputs="strict")
    assert type(caught.value) is errors.SchemaViolation and caught.value.status_code == 422
    assert "does not follow the schema `City`" in str(caught.value) and words in str(caught.value)
    assert caught.value.raw_response == answers[1]
    assert len(mimo.requests) == 2


def test_validate_mode_sends_no_repair_request(mimo):
    mimo.scripted = [{"content": '{"name": "Paris"}'}]
    with pytest.raises(errors.SchemaViolation, match="after 0 repair request"):
        complete(mimo, response_format=City, structured_outputs="validate")
    assert len(mimo.requests) == 1


def test_native_mode_forwards_response_format_and_tool_choice_untouched(mimo):
    with pytest.raises(litellm.BadRequestError, match="response_format type json_schema is not supported"):
        complete(mimo, response_format=CITY_FORMAT, structured_outputs="native")
    assert mimo.requests[0]["body"]["response_format"] == CITY_FORMAT
    mimo.json_schema_supported = True  # the other reading of the disputed fact: the day Xiaomi supports it
    complete(mimo, tools=[WEATHER, TIME], tool_choice={"type": "function", "function": {"name": "get_time"}},
             structured_outputs="native")
    body = mimo.requests[-1]["body"]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_time"}} and body["tools"] == [WEATHER, TIME]
    assert "structured_outputs" not in body


@pytest.mark.parametrize("response_format", [{"type": "json_object"}, {"type": "text"}])
def test_json_object_and_text_pass_through_unchanged(mimo, response_format):
    complete(mimo, response_format=response_format)
    assert mimo.requests[0]["body"]["response_format"] == response_format
    assert mimo.requests[0]["body"]["messages"] == ASK


def test_an_answer_cut_by_the_length_limit_is_returned_as_it_is(mimo):
    """As OpenAI does: finish_reason says the answer is incomplete (openai's parse() raises on it)."""
    mimo.scripted = [{"content": '{"name": "Paris", "population": 2100000, "note": "a long answer"}'}]
    r = complete(mimo, response_format=City, max_tokens=3)
    assert r.choices[0].finish_reason == "length"
    assert len(mimo.requests) == 1


@pytest.mark.parametrize("schema,words", [
    ({"type": "object", "properties": {"a": {"type": "nonsense"}}}, "is not a valid JSON Schema"),
    (None, "needs json_schema.schema"),
])
def test_a_schema_that_is_not_one_is_refused_before_sending(mimo, schema, words):
    with pytest.raises(litellm.BadRequestError, match=words):
        complete(mimo, response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}})
    assert mimo.requests == []


def test_nested_objects_arrays_enums_and_defs_references_are_validated(mimo):
    schema = {"type": "object", "required": ["trip"], "additionalProperties": False, "$defs": {
        "stop": {"type": "object", "required": ["city", "kind"], "additionalProperties": False,
                 "properties": {"city": {"type": "string"}, "kind": {"enum": ["rail", "air"]}}}},
        "properties": {"trip": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/stop"}}}}
    good = {"trip": [{"city": "Paris", "kind": "rail"}, {"city": "Rome", "kind": "air"}]}
    bad = {"trip": [{"city": "Paris", "kind": "boat"}]}
    mimo.scripted = [{"content": json.dumps(bad)}, {"content": json.dumps(good)}]
    r = complete(mimo, response_format={"type": "json_schema", "json_schema": {"name": "Trip", "schema": schema}})
    assert json.loads(r.choices[0].message.content) == good
    assert "at $.trip[0].kind: 'boat' is not one of ['rail', 'air']" in mimo.requests[1]["body"]["messages"][-1]["content"]


# --- streams ----------------------------------------------------------------------------------------


def stream(mimo, **kwargs):
    return litellm.completion(model=MODEL, messages=ASK, api_base=mimo.url, api_key="k", stream=True,
                              stream_options={"include_usage": True}, **kwargs)


def test_a_valid_streamed_answer_streams_as_it_comes(mimo):
    mimo.scripted = [{"content": PARIS}]
    chunks = list(stream(mimo, response_format=City))
    assert litellm.stream_chunk_builder(chunks).choices[0].message.content == PARIS
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) > 1  # in pieces, not one block
    assert mimo.requests[0]["body"]["response_format"] == {"type": "json_object"}


def test_an_invalid_streamed_answer_is_handed_back_with_a_warning(mimo, caplog):
    mimo.scripted = [{"content": '{"name": "Paris"}'}]
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        chunks = list(stream(mimo, response_format=City))
    assert litellm.stream_chunk_builder(chunks).choices[0].message.content == '{"name": "Paris"}'
    assert "'population' is a required property" in caplog.text and "a stream, which can only say so" in caplog.text
    assert len(mimo.requests) == 1


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_strict_ends_an_invalid_stream_with_the_error(mimo, asynchronous):
    mimo.scripted = [{"content": '{"name": "Paris"}'}]
    chunks = []
    # A 4xx after the first chunk is not one LiteLLM wraps for a mid-stream fallback: it comes as it is.
    with pytest.raises(errors.SchemaViolation, match="no repair request is possible") as caught:
        if asynchronous:
            async for chunk in await litellm.acompletion(model=MODEL, messages=ASK, api_base=mimo.url, api_key="k",
                                                         stream=True, response_format=City,
                                                         structured_outputs="strict"):
                chunks.append(chunk)
        else:
            chunks.extend(stream(mimo, response_format=City, structured_outputs="strict"))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == '{"name": "Paris"}'
    assert not any(c.choices and c.choices[0].finish_reason for c in chunks)  # the error came instead
    assert caught.value.status_code == 422
    assert len(mimo.requests) == 1


# --- forced tool calls ----------------------------------------------------------------------------


def test_a_forced_function_is_the_only_tool_mimo_sees(mimo):
    r = complete(mimo, tools=[WEATHER, TIME], tool_choice={"type": "function", "function": {"name": "get_time"}})
    assert [c.function.name for c in r.choices[0].message.tool_calls] == ["get_time"]
    body = mimo.requests[0]["body"]
    assert body["tools"] == [TIME] and "tool_choice" not in body
    assert body["messages"][1] == {"role": "system", "content": structured.TOOL_INSTRUCTION.format(name="get_time")}


def test_required_offers_every_tool_with_an_instruction(mimo):
    complete(mimo, tools=[WEATHER, TIME], tool_choice="required")
    body = mimo.requests[0]["body"]
    assert body["tools"] == [WEATHER, TIME] and "tool_choice" not in body
    assert body["messages"][1] == {"role": "system", "content": structured.ANY_TOOL_INSTRUCTION}


def test_none_sends_no_tools(mimo):
    r = complete(mimo, tools=[WEATHER], tool_choice="none")
    assert r.choices[0].message.content == "Echo: Paris?"
    assert "tools" not in mimo.requests[0]["body"] and "tool_choice" not in mimo.requests[0]["body"]


def test_auto_is_unchanged(mimo):
    complete(mimo, tools=[WEATHER], tool_choice="auto")
    body = mimo.requests[0]["body"]
    assert (body["tools"], body["tool_choice"], body["messages"]) == ([WEATHER], "auto", ASK)


def test_an_answer_without_the_forced_call_is_asked_again_once(mimo):
    mimo.scripted = [{"content": "It is sunny."}]  # then the stand-in calls the tool it is offered
    r = complete(mimo, tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "get_weather"}})
    assert r.choices[0].message.tool_calls[0].function.name == "get_weather"
    repair = mimo.requests[1]["body"]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "It is sunny."}
    assert "it calls no function, and the function `get_weather` was required" in repair[-1]["content"]
    assert r.usage.prompt_tokens == sum(q["usage"]["prompt_tokens"] for q in mimo.requests)


def test_a_second_answer_without_it_is_handed_back_flagged(mimo):
    """As smolagents expects of any provider: it recovers from a plain answer by itself."""
    mimo.scripted = [{"content": "It is sunny."}, {"content": "Sunny, I said."}]
    r = complete(mimo, tools=[WEATHER], tool_choice="required")
    assert r.choices[0].message.content == "Sunny, I said." and not r.choices[0].message.tool_calls
    assert r.choices[0].message.provider_specific_fields[structured.PROBLEM_FIELD] == (
        "it calls no function, and a call of one of the functions offered was required")
    assert len(mimo.requests) == 2


def test_strict_makes_it_a_422_naming_the_tool(mimo):
    mimo.scripted = [{"content": "It is sunny."}, {"content": "Sunny, I said."}]
    with pytest.raises(litellm.UnprocessableEntityError,
                       match="it calls no function, and the function `get_weather` was required"):
        complete(mimo, tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "get_weather"}},
                 structured_outputs="strict")
    assert len(mimo.requests) == 2


def test_required_does_not_accept_a_call_of_a_tool_never_offered(mimo):
    mimo.scripted = [{"tool_calls": [("delete_everything", "{}")]}]  # then the stand-in calls an offered one
    r = complete(mimo, tools=[WEATHER], tool_choice="required")
    assert [c.function.name for c in r.choices[0].message.tool_calls] == ["get_weather"]
    assert "it calls `delete_everything`, which it was not offered (get_weather)" in \
        mimo.requests[1]["body"]["messages"][-1]["content"]


def test_a_strict_tools_arguments_are_validated(mimo):
    strict = {"type": "function", "function": {**WEATHER["function"], "strict": True}}
    mimo.scripted = [{"tool_calls": [("get_weather", '{"town": "Paris"}')]}]
    r = complete(mimo, tools=[strict], tool_choice="required")
    assert "city" in json.loads(r.choices[0].message.tool_calls[0].function.arguments)  # the stand-in's second call
    problem = mimo.requests[1]["body"]["messages"][-1]["content"]
    assert "the arguments of `get_weather` breaks the schema at $: 'city' is a required property" in problem
    assert '[called get_weather with {"town": "Paris"}]' in mimo.requests[1]["body"]["messages"][-2]["content"]


@pytest.mark.parametrize("tools,tool_choice,words", [
    ([WEATHER], {"type": "function", "function": {"name": "get_time"}}, "not among the tools (get_weather)"),
    (None, "required", "needs tools: the request has no function tools"),
    ([WEATHER], {"type": "function"}, "tool_choice"),  # LiteLLM's own check comes first
])
def test_an_impossible_tool_choice_is_refused_before_sending(mimo, tools, tool_choice, words):
    with pytest.raises(litellm.BadRequestError, match=re.escape(words)):
        complete(mimo, tools=tools, tool_choice=tool_choice)
    assert mimo.requests == []


def test_model_info_says_every_chat_model_supports_response_schema():
    assert litellm.get_model_info("xiaomi/mimo-v2.6-flash")["supports_response_schema"] is True
    assert litellm.supports_response_schema(model="xiaomi/mimo-v2.6-pro")
    assert litellm.get_model_info("xiaomi/mimo-v2.5-tts")["supports_response_schema"] is False


# --- properties --------------------------------------------------------------------------------------

leaf = st.sampled_from([{"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"enum": ["a", "b", 3]},
                        {"type": "array", "items": {"type": "integer"}}])
schemas = st.recursive(leaf, lambda inner: st.dictionaries(st.sampled_from(["x", "y", "z"]), inner, min_size=1, max_size=3)
                       .map(lambda props: {"type": "object", "properties": props, "required": sorted(props),
                                           "additionalProperties": False}), max_leaves=6)
values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["a", "b", "c"])),
                      lambda inner: st.one_of(st.lists(inner, max_size=3),
                                              st.dictionaries(st.sampled_from(["x", "y", "z"]), inner, max_size=3)),
                      max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schema=schemas.filter(lambda s: s.get("type") == "object"), answer=values)
def test_any_answer_is_returned_if_valid_and_repaired_if_not(mimo, schema, answer):
    import jsonschema

    mimo.reset()
    valid = jsonschema.Draft202012Validator(schema).is_valid(answer)
    mimo.scripted = [{"content": json.dumps(answer)}, {"content": json.dumps(answer)}]
    call = dict(response_format={"type": "json_schema", "json_schema": {"name": "S", "schema": schema}})
    r = complete(mimo, **call)
    assert json.loads(r.choices[0].message.content) == answer
    flagged = structured.PROBLEM_FIELD in (r.choices[0].message.provider_specific_fields or {})
    assert (flagged, len(mimo.requests)) == ((False, 1) if valid else (True, 2))


# --- through the proxy, with the openai client --------------------------------------------------------


@pytest.fixture
def client(proxy):
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=30)


def test_parse_returns_the_parsed_object(client, mimo):
    mimo.scripted = [{"content": PARIS}]
    r = client.chat.completions.parse(model="mimo-v2.6-pro", messages=ASK, response_format=City)
    assert r.choices[0].message.parsed == City(name="Paris", population=2100000)
    assert mimo.requests[0]["body"]["response_format"] == {"type": "json_object"}


def test_parse_after_a_repair(client, mimo):
    mimo.scripted = [{"content": "Paris, 2.1 million"}, {"content": PARIS}]
    assert client.chat.completions.parse(model="xiaomi/mimo-v2.6-pro", messages=ASK,
                                         response_format=City).choices[0].message.parsed.population == 2100000
    assert len(mimo.requests) == 2


def test_parse_raises_on_an_answer_cut_by_the_length_limit(client, mimo):
    mimo.scripted = [{"content": PARIS}]
    with pytest.raises(openai.LengthFinishReasonError):
        client.chat.completions.parse(model="mimo-v2.6-pro", messages=ASK, response_format=City, max_tokens=2)


def test_an_answer_that_stays_invalid_comes_back_flagged_for_the_clients_own_validation(client, mimo):
    mimo.scripted = [{"content": '{"name": "Paris"}'}] * 2
    raw = client.chat.completions.with_raw_response.create(model="mimo-v2.6-pro", messages=ASK,
                                                           response_format=CITY_FORMAT)
    assert "'population' is a required property" in raw.headers["llm_provider-x-litellm-mimo-structured-output"]
    assert raw.parse().choices[0].message.content == '{"name": "Paris"}'
    assert len(mimo.requests) == 2


@pytest.mark.parametrize("mode,status", [("bridge", 200), ("strict", 422), ("validate", 422)])
def test_a_broken_contract_costs_at_most_two_mimo_requests(shipped, mode, status):
    """Through the shipped proxy (the Router's default retries) with the openai client's default
    retries: nothing retries a 422, and a handed-back answer is an answer."""
    shipped.mimo.scripted = [{"content": '{"name": "Paris"}'}] * 9
    client = openai.OpenAI(base_url=f"{shipped.proxy.url}/v1", api_key=MASTER_KEY, timeout=30)  # max_retries: 2
    raw = client.chat.completions.with_raw_response.create(
        model="mimo-v2.6-pro", messages=ASK, response_format=CITY_FORMAT, extra_body={"structured_outputs": mode}) \
        if status == 200 else None
    if status != 200:
        with pytest.raises(openai.UnprocessableEntityError) as caught:
            client.chat.completions.create(model="mimo-v2.6-pro", messages=ASK, response_format=CITY_FORMAT,
                                           extra_body={"structured_outputs": mode})
        assert "does not follow the schema `City`" in caught.value.body["message"]
    else:
        assert raw.http_response.status_code == 200
    assert len(shipped.mimo.requests) == (1 if mode == "validate" else 2)


def test_a_forced_tool_call_through_the_proxy(client, mimo):
    tools = [openai.pydantic_function_tool(City, name="record_city")]
    mimo.scripted = [{"tool_calls": [("record_city", PARIS)]}]
    r = client.chat.completions.parse(model="mimo-v2.6-pro", messages=ASK, tools=tools,
                                      tool_choice={"type": "function", "function": {"name": "record_city"}})
    call = r.choices[0].message.tool_calls[0]
    assert call.function.name == "record_city" and call.function.parsed_arguments == City(name="Paris", population=2100000)
    assert [t["function"]["name"] for t in mimo.requests[0]["body"]["tools"]] == ["record_city"]
