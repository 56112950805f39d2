"""DSPy (3.4) with ``dspy.LM("xiaomi/...")``: a typed ``dspy.Predict`` through ``ChatAdapter`` (its
``[[ ## field ## ]]`` text format, no response_format) and through ``JSONAdapter`` (``response_format``
json_schema, which the package sends to MiMo as json_object plus the schema).

How DSPy calls LiteLLM: ``litellm.completion(model, messages, num_retries=3,
retry_strategy="exponential_backoff_retry", headers={DSPy's identifier}, response_format?)``; it
chooses its formats from ``litellm.get_supported_openai_params`` and ``supports_response_schema``.
On a ChatAdapter parse failure it asks again once through JSONAdapter."""

import pytest

dspy = pytest.importorskip("dspy")

from dspy.utils.exceptions import AdapterParseError  # noqa: E402

from .conftest import KEY, MODEL, bodies  # noqa: E402


class Population(dspy.Signature):
    """Name a city's population."""
    city: str = dspy.InputField()
    population: int = dspy.OutputField()
    famous: bool = dspy.OutputField()


CHAT_ANSWER = "[[ ## population ## ]]\n2100000\n\n[[ ## famous ## ]]\nTrue\n\n[[ ## completed ## ]]"


def predict(mimo, adapter, city="Paris"):
    lm = dspy.LM(MODEL, cache=False, api_base=mimo.url, api_key=KEY)
    with dspy.context(lm=lm, adapter=adapter):
        return dspy.Predict(Population)(city=city)


def test_chat_adapter(mimo):
    mimo.scripted = [{"content": CHAT_ANSWER}]
    result = predict(mimo, dspy.ChatAdapter())
    assert (result.population, result.famous) == (2100000, True)
    [body] = bodies(mimo)
    assert "response_format" not in body
    assert "[[ ## population ## ]]" in body["messages"][0]["content"]
    assert body["messages"][-1]["content"].startswith("[[ ## city ## ]]\nParis")


def test_chat_adapter_falls_back_to_json_when_the_answer_does_not_parse(mimo):
    """The stand-in answers prose (``Echo: ...``), which ChatAdapter cannot parse: DSPy asks again
    through JSONAdapter, whose json_schema reaches MiMo as json_object plus the schema."""
    result = predict(mimo, dspy.ChatAdapter())
    assert (result.population, result.famous) == (1, True)  # the stand-in's values for the schema
    first, second = bodies(mimo)
    assert "response_format" not in first
    assert second["response_format"] == {"type": "json_object"}
    assert '"population"' in second["messages"][1]["content"] and second["messages"][1]["role"] == "system"


def test_json_adapter(mimo):
    result = predict(mimo, dspy.JSONAdapter())
    assert (result.population, result.famous) == (1, True)
    [body] = bodies(mimo)
    assert body["response_format"] == {"type": "json_object"}  # DSPy asked for json_schema
    schema_message = next(m["content"] for m in body["messages"] if "JSON Schema:" in m["content"])
    assert '"famous": {"title": "Famous", "type": "boolean"}' in schema_message


def test_json_adapter_repaired_once_by_the_package(mimo):
    result = predict(mimo, dspy.JSONAdapter(), city="Paris [standin:bad-json*1]")
    assert (result.population, result.famous) == (1, True)
    first, second = bodies(mimo)
    assert "cannot be used" in second["messages"][-1]["content"]


def test_json_adapter_still_wrong_reaches_dspys_own_parser(mimo):
    """After the one repair the answer is handed back as MiMo gave it, so DSPy's own parsing
    judges it (AdapterParseError, which DSPy's Refine/BestOfN know), not a LiteLLM error."""
    with pytest.raises(AdapterParseError):
        predict(mimo, dspy.JSONAdapter(), city="Paris [standin:bad-json*2]")
    assert len(mimo.requests) == 2
