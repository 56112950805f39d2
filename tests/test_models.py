"""The model catalogue: cost, model info, [1m] ids, XIAOMI_MODELS, renamed and retired models,
pre-flight rules, and the README's model table."""

import json
import logging
import re
from pathlib import Path

import httpx
import litellm
import pytest

import litellm_mimo
from litellm_mimo import models
from tests.conftest import recorder

# Xiaomi's published prices, USD per 1M tokens (mimo-api.md): input, cached input, output.
PUBLISHED = {
    "mimo-v2.6-pro": (0.435, 0.0036, 0.87),
    "mimo-v2.6-flash": (0.14, 0.0028, 0.28),
    "mimo-v2.5-pro": (0.435, 0.0036, 0.87),
    "mimo-v2.5": (0.14, 0.0028, 0.28),
    "mimo-v2.6-pro[1m]": (0.435, 0.0036, 0.87),
    "mimo-v2.5-pro[1m]": (0.435, 0.0036, 0.87),
    # renamed V2 ids are billed at their successor's (V2.5) prices
    "mimo-v2-pro": (0.435, 0.0036, 0.87),
    "mimo-v2-flash": (0.14, 0.0028, 0.28),
    "mimo-v2-omni": (0.14, 0.0028, 0.28),
}
USAGE = {"prompt_tokens": 12000, "completion_tokens": 3400, "total_tokens": 15400,
         "completion_tokens_details": {"reasoning_tokens": 1100}}
HI = [{"role": "user", "content": "Hi"}]


def expected_cost(model: str, cached: int) -> float:
    price_in, price_cached, price_out = PUBLISHED[model]
    return ((USAGE["prompt_tokens"] - cached) * price_in + cached * price_cached
            + USAGE["completion_tokens"] * price_out) / 1e6


def mimo_client(usage: dict, seen: list, stream: bool = False) -> httpx.Client:
    """An upstream answering in MiMo's official shapes with the given usage."""
    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        if not stream:
            return httpx.Response(200, json={
                "id": "2b92b0964c9b4335bffad7c2f75cfe9e", "object": "chat.completion", "created": 1781233054,
                "model": body["model"], "usage": usage,
                "choices": [{"finish_reason": "stop", "index": 0, "message": {
                    "content": "Hello", "role": "assistant", "tool_calls": None, "reasoning_content": "Hmm"}}]})
        head = {"id": "4e57d676fe464c09aa2f27fa652abc40", "created": 1781234029, "model": body["model"],
                "object": "chat.completion.chunk"}
        def delta(**d):
            return {"content": None, "role": None, "tool_calls": None, "reasoning_content": None, **d}
        events = [
            {**head, "choices": [{"delta": delta(content="", role="assistant"), "finish_reason": None, "index": 0}]},
            {**head, "choices": [{"delta": delta(reasoning_content="Hmm"), "finish_reason": None, "index": 0}]},
            {**head, "choices": [{"delta": delta(content="Hello"), "finish_reason": None, "index": 0}]},
            {**head, "choices": [{"delta": delta(), "finish_reason": "stop", "index": 0}], "usage": None},
            {**head, "choices": [], "usage": usage},
        ]
        text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=text.encode())
    return httpx.Client(transport=httpx.MockTransport(handle))


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("cached", [0, 5000], ids=["no-cache", "cached"])
@pytest.mark.parametrize("model", list(PUBLISHED))
def test_cost_of_every_priced_model(model, cached, stream, caplog):
    usage = {**USAGE, "prompt_tokens_details": {"cached_tokens": cached} if cached else {}}
    seen: list = []
    call = dict(model=f"xiaomi/{model}", messages=HI, api_key="k", client=mimo_client(usage, seen, stream))
    if stream:
        chunks = list(litellm.completion(**call, stream=True, stream_options={"include_usage": True}))
        response = litellm.stream_chunk_builder(chunks)
        cost = litellm.completion_cost(completion_response=response)
    else:
        response = litellm.completion(**call)
        assert response._hidden_params["response_cost"] == pytest.approx(expected_cost(model, cached))
        cost = litellm.completion_cost(completion_response=response)
    assert cost == pytest.approx(expected_cost(model, cached))
    assert response.usage.prompt_tokens == USAGE["prompt_tokens"]


@pytest.mark.parametrize("model", [m for m in PUBLISHED if m in models.CATALOGUE])
def test_model_info_of_every_priced_model(model):
    info = litellm.get_model_info(f"xiaomi/{model}")
    price_in, price_cached, price_out = PUBLISHED[model]
    assert info["input_cost_per_token"] == pytest.approx(price_in / 1e6)
    assert info["cache_read_input_token_cost"] == pytest.approx(price_cached / 1e6)
    assert info["output_cost_per_token"] == pytest.approx(price_out / 1e6)
    assert info["max_input_tokens"] == 1_048_576
    assert info["max_output_tokens"] == 131_072
    assert info["mode"] == "chat"
    assert info["supports_reasoning"] and info["supports_function_calling"]


@pytest.mark.parametrize("model", ["mimo-v2.5-tts", "mimo-v2.5-tts-voicedesign", "mimo-v2.5-tts-voiceclone"])
def test_free_tts_costs_zero(model):
    info = litellm.get_model_info(f"xiaomi/{model}")
    assert info["input_cost_per_token"] == info["output_cost_per_token"] == 0.0
    assert info["max_output_tokens"] == 8192 and info["mode"] == "audio_speech"


@pytest.mark.parametrize("model", ["mimo-v2.6-pro-ultraspeed", "mimo-v2.5-asr"])
def test_unpublished_price_stays_unknown(model):
    """Priced by contract / only a reported CNY figure: no number is made up."""
    assert not models.CATALOGUE[model].priced
    seen: list = []
    r = litellm.completion(model=f"xiaomi/{model}", messages=HI, api_key="k",
                           client=mimo_client({**USAGE, "prompt_tokens_details": {}}, seen))
    assert r._hidden_params.get("response_cost") is None
    with pytest.raises(Exception, match="isn't mapped"):
        litellm.completion_cost(completion_response=r)
    assert seen[0]["model"] == model


def test_one_million_ids_have_the_1m_context_and_base_prices():
    for model in ("mimo-v2.6-pro[1m]", "mimo-v2.5-pro[1m]"):
        info = litellm.get_model_info(f"xiaomi/{model}")
        base = litellm.get_model_info(f"xiaomi/{model[:-4]}")
        assert info["max_input_tokens"] == 1_048_576
        assert info["input_cost_per_token"] == base["input_cost_per_token"]
        assert info["output_cost_per_token"] == base["output_cost_per_token"]


def test_xiaomi_models_makes_ids_known_listed_and_routable(monkeypatch):
    monkeypatch.setenv("XIAOMI_MODELS", " mimo-v2.6-pro , mimo-v2.6-flash[1m],mimo-v2.7-pro[1m]")
    litellm_mimo.register()  # picks up the new ids; idempotent for the rest
    ids = [m.id for m in litellm_mimo.list_models()]
    assert ids.count("mimo-v2.6-pro") == 1
    assert {"mimo-v2.6-flash[1m]", "mimo-v2.7-pro[1m]"} <= set(ids)
    flash_1m = models.lookup("mimo-v2.6-flash[1m]")
    assert (flash_1m.mode, flash_1m.max_input_tokens, flash_1m.input_price) == ("chat", 1_048_576, 0.14)
    assert litellm.get_model_info("xiaomi/mimo-v2.6-flash[1m]")["input_cost_per_token"] == pytest.approx(0.14e-6)
    unknown = models.lookup("mimo-v2.7-pro[1m]")
    assert unknown.mode == "chat" and not unknown.priced
    seen: list = []
    r = litellm.completion(model="xiaomi/mimo-v2.7-pro[1m]", messages=HI, api_key="k",
                           client=mimo_client({**USAGE, "prompt_tokens_details": {}}, seen))
    assert seen[0]["model"] == "mimo-v2.7-pro[1m]"
    assert r._hidden_params.get("response_cost") is None


@pytest.mark.parametrize("old,new", sorted(models.RENAMED.items()))
def test_renamed_v2_ids_are_sent_as_their_successor(old, new, caplog):
    models._warned_renames.discard(old)
    seen: list = []
    client = mimo_client({**USAGE, "prompt_tokens_details": {}}, seen)
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        for _ in range(2):
            litellm.completion(model=f"xiaomi/{old}", messages=[{"role": "assistant", "content": "x"}],
                               api_key="k", client=client)
    assert [body["model"] for body in seen] == [new, new]
    warnings = [r.getMessage() for r in caplog.records if old in r.getMessage()]
    assert len(warnings) == 1  # once per id and process
    assert "2026-06-30" in warnings[0] and new in warnings[0]


def test_upstream_model_overrides_the_id_sent(monkeypatch):
    seen: list = []
    r = litellm.completion(model="xiaomi/mimo-v2.6-pro[1m]", messages=HI, api_key="k",
                           upstream_model="mimo-v2.6-pro",
                           client=mimo_client({**USAGE, "prompt_tokens_details": {}}, seen))
    assert seen[0]["model"] == "mimo-v2.6-pro"
    assert "upstream_model" not in seen[0]
    assert r._hidden_params["response_cost"] == pytest.approx(expected_cost("mimo-v2.6-pro[1m]", 0))


def test_retired_model_error_names_the_date_and_the_replacement(mimo_api):
    with recorder.use_cassette("error_retired_model.yaml") as cass:
        with pytest.raises(litellm.BadRequestError) as caught:
            litellm.completion(model="xiaomi/mimo-v2.5-pro", messages=HI, api_base=mimo_api["api_base"],
                               api_key=mimo_api["api_key"])
    assert json.loads(cass.requests[0].body)["model"] == "mimo-v2.5-pro"  # forwarded unchanged
    message = str(caught.value)
    assert "Unsupported model mimo-v2.5-pro" in message
    assert "retired by Xiaomi on 2026-10-21" in message and "use mimo-v2.6-pro" in message


@pytest.mark.parametrize("model,kwargs,words", [
    ("mimo-v2.6-pro", {"max_completion_tokens": 131073}, "1 to 131072"),
    ("mimo-v2.6-flash", {"max_tokens": 0}, "1 to 131072"),
    ("mimo-v2.5-tts", {"max_completion_tokens": 8193}, "1 to 8192"),
    ("mimo-v2.5-tts", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}, "does not accept tools"),
    ("mimo-v2.5-tts", {"thinking": {"type": "disabled"}}, "does not accept thinking"),
    ("mimo-v2.5-tts-voicedesign", {"stop": ["x"], "response_format": {"type": "text"}}, "stop, response_format"),
])
def test_preflight_rules_refuse_before_sending(standin, model, kwargs, words):
    with pytest.raises(litellm.BadRequestError, match=re.escape(words)):
        litellm.completion(model=f"xiaomi/{model}", messages=[{"role": "assistant", "content": "Hi"}],
                           api_base=standin.url, api_key="k", **kwargs)
    assert standin.requests == []


def test_preflight_lets_the_limit_itself_through(standin):
    litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, max_completion_tokens=131072,
                       api_base=standin.url, api_key="k")
    assert standin.requests[0]["body"]["max_completion_tokens"] == 131072


# --- the README's table -------------------------------------------------------------------


def _num(value):
    return "—" if value is None else f"{value:,}"


def _price(value):
    return "—" if value is None else ("free" if value == 0 else f"{value:g}")


def model_table() -> str:
    rows = ["| model | mode | context | max output | input / cached / output, USD per 1M tokens | status |",
            "|---|---|---|---|---|---|"]
    for m in models.CATALOGUE.values():
        prices = (f"{_price(m.input_price)} / {_price(m.cached_input_price)} / {_price(m.output_price)}"
                  if m.priced and m.input_price else ("free for now" if m.priced else "not published"))
        status = (f"retired {m.retired_on}: use `{m.use_instead}`" if m.status == "retired"
                  else f"current (since {m.launched})" if m.launched else "current")
        rows.append(f"| `{m.id}` | {m.mode} | {_num(m.max_input_tokens)} | {_num(m.max_output_tokens)} | "
                    f"{prices} | {status} |")
    return "\n".join(rows)


def test_readme_model_table_matches_the_catalogue():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert model_table() in readme, "README's model table drifted; replace it with:\n\n" + model_table()
