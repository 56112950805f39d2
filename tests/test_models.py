"""The model catalogue: cost, model info, lifecycle by date (retired, retiring, the opt-in upgrade),
lowercase ids, [1m] ids, XIAOMI_MODELS, pre-flight rules, prices that survive a cost-map
replacement, and the README's model table. "Today" is pinned by conftest (LITELLM_MIMO_TODAY)."""

import json
import logging
import re
import subprocess
import sys
import textwrap
from datetime import date

import httpx
import litellm
import pytest
import yaml

import litellm_mimo
from litellm_mimo import log, models, preflight
from tests.conftest import ROOT

# Xiaomi's published prices, USD per 1M tokens (docs/mimo-api.md): input, cached input, output.
PUBLISHED = {
    "mimo-v2.6-pro": (0.435, 0.0036, 0.87),
    "mimo-v2.6-flash": (0.14, 0.0028, 0.28),
    "mimo-v2.6-pro[1m]": (0.435, 0.0036, 0.87),
    "mimo-v2.6-pro-ultraspeed": (4.35, 0.036, 8.70),  # reported by two catalogues citing Xiaomi's price page
}
V26_CHAT = ["mimo-v2.6-pro", "mimo-v2.6-flash", "mimo-v2.6-pro[1m]", "mimo-v2.6-pro-ultraspeed"]
# Every id Xiaomi retired by the pinned day, and the model Xiaomi serves in its place.
RETIRED = {
    "mimo-v2-flash": ("2026-06-30", "mimo-v2.6-flash"),
    "mimo-v2-omni": ("2026-06-30", "mimo-v2.6-flash"),
    "mimo-v2-pro": ("2026-06-30", "mimo-v2.6-pro"),
    "mimo-v2-tts": ("2026-06-30", "mimo-v2.5-tts"),
    "mimo-v2.5": ("2026-10-21", "mimo-v2.6-flash"),
    "mimo-v2.5-pro": ("2026-10-21", "mimo-v2.6-pro"),
    "mimo-v2.5-pro[1m]": ("2026-10-21", "mimo-v2.6-pro[1m]"),
    "MiMo-V2.5-Pro": ("2026-10-21", "mimo-v2.6-pro"),  # any case
    "mimo-v2.5-pro-ultraspeed": ("2026-09-08", "mimo-v2.6-pro-ultraspeed"),  # a beta, ended at 00:00
}
USAGE = {"prompt_tokens": 12000, "completion_tokens": 3400, "total_tokens": 15400,
         "completion_tokens_details": {"reasoning_tokens": 1100}}
HI = [{"role": "user", "content": "Hi"}]


def expected_cost(model: str, cached: int) -> float:
    price_in, price_cached, price_out = PUBLISHED[model]
    return ((USAGE["prompt_tokens"] - cached) * price_in + cached * price_cached
            + USAGE["completion_tokens"] * price_out) / 1e6


def mimo_client(usage: dict, seen: list, stream: bool = False) -> httpx.Client:
    """An upstream answering in MiMo's official shapes with the given usage; like MiMo, it names
    the model it was asked for in its answer."""
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


def priced_call(model: str, cached: int = 0, stream: bool = False, **kwargs):
    """One call through a MiMo-shaped upstream; returns (response, its cost, the bodies MiMo got)."""
    usage = {**USAGE, "prompt_tokens_details": {"cached_tokens": cached} if cached else {}}
    seen: list = []
    call = dict(model=f"xiaomi/{model}", messages=HI, api_key="k", client=mimo_client(usage, seen, stream), **kwargs)
    if stream:
        chunks = list(litellm.completion(**call, stream=True, stream_options={"include_usage": True}))
        response = litellm.stream_chunk_builder(chunks)
    else:
        response = litellm.completion(**call)
        assert response._hidden_params["response_cost"] == pytest.approx(litellm.completion_cost(completion_response=response))
    return response, litellm.completion_cost(completion_response=response), seen


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
@pytest.mark.parametrize("cached", [0, 5000], ids=["no-cache", "cached"])
@pytest.mark.parametrize("model", list(PUBLISHED))
def test_cost_of_every_priced_model(model, cached, stream):
    response, cost, _ = priced_call(model, cached, stream)
    assert cost == pytest.approx(expected_cost(model, cached))
    assert response.usage.prompt_tokens == USAGE["prompt_tokens"]


@pytest.mark.parametrize("model", V26_CHAT)
def test_model_info_of_the_current_chat_models(model):
    info = litellm.get_model_info(f"xiaomi/{model}")
    assert info["max_input_tokens"] == 1_048_576
    assert info["max_output_tokens"] == 131_072
    assert info["mode"] == "chat"
    for capability in ("supports_reasoning", "supports_function_calling", "supports_tool_choice", "supports_vision",
                       "supports_audio_input", "supports_prompt_caching", "supports_web_search"):
        assert info[capability] is True, capability
    if model in PUBLISHED:
        price_in, price_cached, price_out = PUBLISHED[model]
        assert info["input_cost_per_token"] == pytest.approx(price_in / 1e6)
        assert info["cache_read_input_token_cost"] == pytest.approx(price_cached / 1e6)
        assert info["output_cost_per_token"] == pytest.approx(price_out / 1e6)


@pytest.mark.parametrize("model", ["mimo-v2.5-tts", "mimo-v2.5-tts-voicedesign", "mimo-v2.5-tts-voiceclone"])
def test_free_tts_costs_zero(model):
    info = litellm.get_model_info(f"xiaomi/{model}")
    assert info["input_cost_per_token"] == info["output_cost_per_token"] == 0.0
    assert info["max_output_tokens"] == 8192 and info["mode"] == "audio_speech"


def test_a_model_without_a_price_has_no_cost(monkeypatch):
    """No number is made up: an id the catalogue does not price (XIAOMI_MODELS) costs None."""
    monkeypatch.setenv(models.MODELS_ENV, "mimo-v2.7-pro")
    seen: list = []
    r = litellm.completion(model="xiaomi/mimo-v2.7-pro", messages=HI, api_key="k",
                           client=mimo_client({**USAGE, "prompt_tokens_details": {}}, seen))
    assert r._hidden_params.get("response_cost") is None
    with pytest.raises(litellm.exceptions.ModelNotMappedError, match="isn.t mapped"):
        litellm.completion_cost(completion_response=r)
    assert seen[0]["model"] == "mimo-v2.7-pro"


def test_an_upgrade_to_a_dearer_successor_names_both_prices(monkeypatch, caplog):
    monkeypatch.setenv(preflight.UPGRADE_ENV, "1")
    log.said.clear()
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        _, cost, seen = priced_call("mimo-v2.5-pro-ultraspeed")
    assert seen[0]["model"] == "mimo-v2.6-pro-ultraspeed"
    assert cost == pytest.approx(expected_cost("mimo-v2.6-pro-ultraspeed", 0))
    warning, = [r.getMessage() for r in caplog.records if "instead (XIAOMI_UPGRADE_RETIRED=1)" in r.getMessage()]
    assert "USD 4.35 / 8.7 per 1M input / output tokens against mimo-v2.5-pro-ultraspeed's 1.305 / 2.61" in warning
    assert "about 3.3 times as much" in warning
    log.said.clear()
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        priced_call("mimo-v2.5")  # to a cheaper (here: equal) successor, no prices in the warning
    assert "times as much" not in caplog.records[-1].getMessage()


def test_asr_is_priced_per_second_of_audio_from_mimos_usage():
    seconds = 90
    usage = {"completion_tokens": 20, "prompt_tokens": 46, "total_tokens": 66, "seconds": seconds,
             "prompt_tokens_details": {"audio_tokens": 25}}
    part = {"type": "input_audio", "input_audio": {"data": "data:audio/wav;base64,UklGRgAAAABXQVZF"}}
    r = litellm.completion(model="xiaomi/mimo-v2.5-asr", messages=[{"role": "user", "content": [part]}],
                           api_key="k", client=mimo_client(usage, []))
    assert r._hidden_params["response_cost"] == pytest.approx(seconds * 0.074 / 3600)  # not by response time
    assert litellm.get_model_info("xiaomi/mimo-v2.5-asr")["input_cost_per_second"] == pytest.approx(0.074 / 3600)


def test_a_deployments_model_info_overrides_the_asr_price():
    usage = {"completion_tokens": 20, "prompt_tokens": 46, "total_tokens": 66, "seconds": 100}
    part = {"type": "input_audio", "input_audio": {"data": "data:audio/wav;base64,UklGRgAAAABXQVZF"}}
    r = litellm.completion(model="xiaomi/mimo-v2.5-asr", messages=[{"role": "user", "content": [part]}],
                           api_key="k", client=mimo_client(usage, []), model_info={"input_cost_per_second": 0.001})
    assert r._hidden_params["response_cost"] == pytest.approx(0.1)


# --- lifecycle -------------------------------------------------------------------------------


@pytest.mark.parametrize("model", list(RETIRED))
@pytest.mark.parametrize("route", ["completion", "acompletion", "stream"])
async def test_retired_models_fail_before_anything_is_sent(mimo, model, route):
    retired_on, successor = RETIRED[model]
    call = dict(model=f"xiaomi/{model}", messages=[{"role": "assistant", "content": "x"}] + HI,
                api_base=mimo.url, api_key="k")
    with pytest.raises(litellm.BadRequestError) as caught:
        if route == "completion":
            litellm.completion(**call)
        elif route == "acompletion":
            await litellm.acompletion(**call)
        else:
            list(litellm.completion(**call, stream=True))
    message = str(caught.value)
    assert f"{model.lower()} was retired by Xiaomi on {retired_on}" in message
    assert f"use {successor} instead" in message
    assert caught.value.status_code == 400
    assert mimo.requests == []


@pytest.mark.parametrize("call", ["speech", "transcription"])
def test_retired_models_fail_before_anything_is_sent_for_audio_too(mimo, call):
    with pytest.raises(litellm.BadRequestError, match="mimo-v2-tts was retired by Xiaomi on 2026-06-30"):
        if call == "speech":
            litellm.speech(model="xiaomi/mimo-v2-tts", input="Hi.", api_base=mimo.url, api_key="k")
        else:  # a retired chat model asked to transcribe: the retirement is the first thing wrong
            litellm.transcription(model="xiaomi/mimo-v2-tts", file=b"RIFF", api_base=mimo.url, api_key="k")
    assert mimo.requests == []


def test_retirement_follows_the_date_not_a_flag(monkeypatch, caplog):
    """The day before Xiaomi's date mimo-v2.5 is sent, with one warning naming the date and the
    successor; from that day on it is refused."""
    log.said.clear()
    monkeypatch.setenv(models.TODAY_ENV, "2026-10-20")
    seen: list = []
    client = mimo_client({**USAGE, "prompt_tokens_details": {}}, seen)
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        for _ in range(2):
            litellm.completion(model="xiaomi/mimo-v2.5", messages=HI, api_key="k", client=client)
    assert [body["model"] for body in seen] == ["mimo-v2.5", "mimo-v2.5"]
    warnings = [r.getMessage() for r in caplog.records if "mimo-v2.5 " in r.getMessage()]
    assert warnings == ["MiMo model mimo-v2.5 will be retired by Xiaomi on 2026-10-21 10:00 Beijing time; move to "
                        "mimo-v2.6-flash before then."]
    monkeypatch.setenv(models.TODAY_ENV, "2026-10-21T09:59")  # Xiaomi cut V2.5 off at 10:00 Beijing time
    litellm.completion(model="xiaomi/mimo-v2.5", messages=HI, api_key="k", client=client)
    monkeypatch.setenv(models.TODAY_ENV, "2026-10-21T02:00+00:00")  # 10:00 in Beijing
    with pytest.raises(litellm.BadRequestError, match="retired by Xiaomi on 2026-10-21 10:00 Beijing time"):
        litellm.completion(model="xiaomi/mimo-v2.5", messages=HI, api_key="k", client=client)
    assert len(seen) == 3


def test_a_date_only_pin_means_midnight_in_beijing(monkeypatch):
    monkeypatch.setenv(models.TODAY_ENV, "2026-09-08")
    assert models.now() == models.beijing(2026, 9, 8)
    assert models.lookup("mimo-v2.5-pro-ultraspeed").retired() and not models.lookup("mimo-v2.5").retired()
    monkeypatch.setenv(models.TODAY_ENV, "2026-10-21")
    assert not models.lookup("mimo-v2.5").retired()  # 00:00, before the 10:00 cut-off


def test_the_current_successor_follows_the_chain_by_date():
    v2_flash = models.lookup("mimo-v2-flash")
    assert models.current_successor(v2_flash, date(2026, 7, 1)).id == "mimo-v2.5"  # v2.5 still served then
    assert models.current_successor(v2_flash, models.beijing(2026, 10, 21, 10)).id == "mimo-v2.6-flash"


@pytest.mark.parametrize("model", list(RETIRED))
def test_opt_in_upgrade_sends_the_successor_priced_as_it(model, monkeypatch, caplog):
    monkeypatch.setenv(preflight.UPGRADE_ENV, "1")  # read at call time, set after import
    log.said.clear()
    successor = RETIRED[model][1]
    if successor == "mimo-v2.5-tts":
        seen: list = []
        litellm.completion(model=f"xiaomi/{model}", messages=[{"role": "assistant", "content": "x"}], api_key="k",
                           client=mimo_client({**USAGE, "prompt_tokens_details": {}}, seen))
        assert seen[0]["model"] == successor
        return
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        for stream in (False, True):
            _, cost, seen = priced_call(model, stream=stream)
            assert seen[0]["model"] == successor
            assert cost == pytest.approx(expected_cost(successor, 0))
    warnings = [r.getMessage() for r in caplog.records if "instead (XIAOMI_UPGRADE_RETIRED=1)" in r.getMessage()]
    assert len(warnings) == 1 and successor in warnings[0]


def test_upgrade_is_off_unless_asked(monkeypatch):
    monkeypatch.setenv(preflight.UPGRADE_ENV, "0")
    with pytest.raises(litellm.BadRequestError, match="set XIAOMI_UPGRADE_RETIRED=1"):
        priced_call("mimo-v2.5")


def test_model_ids_are_sent_in_lowercase():
    response, cost, seen = priced_call("MiMo-V2.6-Pro")
    assert seen[0]["model"] == "mimo-v2.6-pro"
    assert cost == pytest.approx(expected_cost("mimo-v2.6-pro", 0))


def test_the_proxy_config_serves_every_current_model_and_no_retired_one():
    config = yaml.safe_load((ROOT / "proxy_config.yaml").read_text())
    served = {d["litellm_params"]["model"].removeprefix("xiaomi/") for d in config["model_list"]}
    wildcards = {"*", "mimo-*", "MiMo-*"}
    assert wildcards <= served
    assert all(not models.lookup(m).retired() for m in served - wildcards), served
    assert {m.id for m in models.list_models()} <= served
    for deployment in config["model_list"]:  # bare ids and name patterns, and xiaomi/* under its own name
        assert deployment["model_name"] in (deployment["litellm_params"]["model"].removeprefix("xiaomi/"), "xiaomi/*")


def test_list_models_leaves_retired_ones_out_unless_asked():
    current = {m.id for m in litellm_mimo.list_models()}
    everything = {m.id for m in litellm_mimo.list_models(include_retired=True)}
    assert {m.lower() for m in RETIRED} <= everything - current
    assert {"mimo-v2.6-pro", "mimo-v2.5-tts", "mimo-v2.5-asr"} <= current


# --- ids the package knows less about ---------------------------------------------------------


def test_one_million_ids_have_the_1m_context_and_base_prices():
    info = litellm.get_model_info("xiaomi/mimo-v2.6-pro[1m]")
    assert info["max_input_tokens"] == 1_048_576
    assert info["input_cost_per_token"] == pytest.approx(0.435e-6)
    assert models.lookup("mimo-v2-flash").max_input_tokens == 262_144
    assert models.lookup("mimo-v2-flash[1m]").max_input_tokens == models.ONE_M_CONTEXT  # the suffix's own rule
    assert models.lookup("mimo-v2.6-flash[1m]").vision  # inherits the base model's capabilities


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
    assert not unknown.catalogued and not unknown.priced
    seen: list = []
    r = litellm.completion(model="xiaomi/mimo-v2.7-pro[1m]", messages=HI, api_key="k",
                           client=mimo_client({**USAGE, "prompt_tokens_details": {}}, seen))
    assert seen[0]["model"] == "mimo-v2.7-pro[1m]"
    assert r._hidden_params.get("response_cost") is None


def test_upstream_model_overrides_the_id_sent():
    seen: list = []
    r = litellm.completion(model="xiaomi/mimo-v2.6-pro[1m]", messages=HI, api_key="k",
                           upstream_model="mimo-v2.6-pro",
                           client=mimo_client({**USAGE, "prompt_tokens_details": {}}, seen))
    assert seen[0]["model"] == "mimo-v2.6-pro"
    assert "upstream_model" not in seen[0]
    assert r._hidden_params["response_cost"] == pytest.approx(expected_cost("mimo-v2.6-pro[1m]", 0))


def test_upstream_model_reaches_every_piece_of_a_speech(mimo):
    """A deployment serving `mimo-v2.5-tts` from another MiMo id: each MiMo request carries that id."""
    litellm.speech(model="xiaomi/mimo-v2.5-tts", input="A sentence. " * 300, response_format="pcm",
                   upstream_model="mimo-v2.5-tts-voicedesign", instructions="A calm voice.",
                   api_base=mimo.url, api_key="k").read()
    assert [r["body"]["model"] for r in mimo.requests] == ["mimo-v2.5-tts-voicedesign"] * 2


def test_extra_body_cannot_replace_the_model_the_call_names(mimo):
    """Through the proxy, a body's extra_body would otherwise send another model than the deployment's."""
    with pytest.raises(litellm.BadRequestError, match="extra_body sets model, stream, which the call itself sets"):
        litellm.completion(model="xiaomi/mimo-v2.6-flash", messages=HI, api_base=mimo.url, api_key="k",
                           extra_body={"model": "mimo-v2.6-pro", "stream": True})
    assert mimo.requests == []


# --- prices survive LiteLLM's cost map being replaced ------------------------------------------


def test_prices_survive_a_replaced_cost_map_in_a_fresh_interpreter():
    script = textwrap.dedent("""
        import json, httpx, litellm, litellm_mimo
        litellm.model_cost = litellm.get_model_cost_map(url="")  # as some test suites and tools do
        assert "xiaomi/mimo-v2.6-pro" not in litellm.model_cost
        body = {"id": "x", "object": "chat.completion", "created": 1, "model": "mimo-v2.6-pro",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}],
                "usage": {"prompt_tokens": 1000000, "completion_tokens": 1000000, "total_tokens": 2000000}}
        client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)))
        r = litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "x"}],
                               api_key="k", client=client)
        print(json.dumps([r._hidden_params["response_cost"],
                          litellm.get_model_info("xiaomi/mimo-v2.6-flash")["supports_vision"]]))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    cost, vision = json.loads(run.stdout.strip().splitlines()[-1])
    assert cost == pytest.approx(0.435 + 0.87) and vision is True


# --- pre-flight rules -----------------------------------------------------------------------


@pytest.mark.parametrize("model,kwargs,words", [
    ("mimo-v2.6-pro", {"max_completion_tokens": 131073}, "1 to 131072"),
    ("mimo-v2.6-flash", {"max_tokens": 0}, "1 to 131072"),
    ("mimo-v2.5-tts", {"max_completion_tokens": 8193}, "1 to 8192"),
    ("mimo-v2.5-tts", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}, "does not accept tools"),
    ("mimo-v2.5-tts", {"thinking": {"type": "disabled"}}, "does not accept thinking"),
    ("mimo-v2.5-tts-voicedesign", {"stop": ["x"], "response_format": {"type": "text"}}, "stop, response_format"),
])
def test_preflight_rules_refuse_before_sending(mimo, model, kwargs, words):
    with pytest.raises(litellm.BadRequestError, match=re.escape(words)):
        litellm.completion(model=f"xiaomi/{model}", messages=[{"role": "assistant", "content": "Hi"}],
                           api_base=mimo.url, api_key="k", **kwargs)
    assert mimo.requests == []


def test_preflight_lets_the_limit_itself_through(mimo):
    litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=HI, max_completion_tokens=131072,
                       api_base=mimo.url, api_key="k")
    assert mimo.requests[0]["body"]["max_completion_tokens"] == 131072


# --- the README's table -------------------------------------------------------------------


def _size(value):
    """1,048,576 as 1M, 131,072 as 128K; unknown as —."""
    if value is None:
        return "—"
    return f"{value // 2**20}M" if value % 2**20 == 0 else f"{value // 2**10}K" if value % 2**10 == 0 else f"{value:,}"


def _prices(m: models.MiMoModel) -> str:
    reported = " (reported)" if m.reported else ""
    if m.audio_second_price is not None:
        return f"{m.audio_second_price * 3600:g} per audio hour{reported}"
    if not m.priced:
        return "not published"
    if not m.input_price and not m.output_price:
        return "free for now"
    return f"{m.input_price:g} / {m.cached_input_price:g} / {m.output_price:g}{reported}"


def _status(m: models.MiMoModel) -> str:
    if m.retired():
        return f"retired {m.retirement}: use `{models.current_successor(m).id}`"
    if m.retires:
        return f"retires {m.retirement}: move to `{models.current_successor(m, m.retires).id}`"
    return f"current (since {m.launched})" if m.launched else "current"


def model_table() -> str:
    """The current models as a table, then the retired ones, a line per date."""
    rows = ["| model | mode | context / max output | USD per 1M tokens: input / cached / output | status |",
            "|---|---|---|---|---|"]
    modes = ["chat", "audio_speech", "audio_transcription"]
    for m in sorted((m for m in models.CATALOGUE.values() if not m.retired()), key=lambda m: (modes.index(m.mode), m.id)):
        sizes = f"{_size(m.max_input_tokens)} / {_size(m.max_output_tokens)}"
        rows.append(f"| `{m.id}` | {m.mode} | {sizes} | {_prices(m)} | {_status(m)} |")
    successors: dict = {}
    for m in sorted((m for m in models.CATALOGUE.values() if m.retired()), key=lambda m: m.id):
        successors.setdefault(m.retirement, {}).setdefault(models.current_successor(m).id, []).append(f"`{m.id}`")
    rows.append("")
    rows += [f"- Retired {day}: " + "; ".join(f"{', '.join(old)} → `{new}`" for new, old in sorted(by.items())) + "."
             for day, by in sorted(successors.items())]
    return "\n".join(rows)


def test_readme_model_table_matches_the_catalogue():
    readme = (ROOT / "README.md").read_text()
    assert model_table() in readme, "README's model table drifted; replace it with:\n\n" + model_table()
