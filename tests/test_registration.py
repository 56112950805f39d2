"""Plugging into LiteLLM: the table of LiteLLM internals the package relies on (checked on every
LiteLLM version CI runs), loud failure when one is missing, and an unregister() that restores
what register() changed, even under another plugin's wrapper."""

import importlib
import logging

import litellm
import pytest

import litellm_mimo
from litellm_mimo import patches, provider

MODEL = "xiaomi/mimo-v2.6-pro"
HI = [{"role": "user", "content": "Hi"}]
REPLACED = [p for p in patches.TABLE if p.route is not None]


@pytest.mark.parametrize("patch", patches.TABLE, ids=[p.key for p in patches.TABLE])
def test_every_litellm_internal_the_package_relies_on_is_here(patch):
    assert patches.problem(patch) is None
    if patch.route is not None and not patch.optional:
        assert getattr(importlib.import_module(patch.module), patch.name).__litellm_mimo__


@pytest.mark.parametrize("module,name,words", [
    ("litellm.main", "speech", "litellm.main.speech does not exist"),
    ("litellm.utils", "custom_llm_setup", "litellm.utils.custom_llm_setup does not exist"),
])
def test_a_missing_internal_fails_register_before_anything_changes(monkeypatch, module, name, words):
    litellm_mimo.unregister()
    monkeypatch.delattr(f"{module}.{name}")
    with pytest.raises(patches.IncompatibleLiteLLM, match=words) as caught:
        litellm_mimo.register()
    assert f"LiteLLM {patches.litellm_version()}" in str(caught.value)
    assert all(e["provider"] != "xiaomi" for e in litellm.custom_provider_map)  # nothing half-registered
    assert not hasattr(litellm.completion, "__litellm_mimo__")


def test_a_parameter_the_package_passes_must_still_be_accepted(monkeypatch):
    def register_model(model_costs):  # a LiteLLM that renamed model_cost
        raise AssertionError("never called")

    monkeypatch.setattr(litellm, "register_model", register_model)
    with pytest.raises(patches.IncompatibleLiteLLM, match="litellm.register_model takes no model_cost"):
        litellm_mimo.register()


def test_a_missing_optional_internal_warns_once(monkeypatch, caplog):
    model_checks = pytest.importorskip("litellm.proxy.auth.model_checks")
    litellm_mimo.unregister()
    monkeypatch.delattr(model_checks, "get_provider_models")
    patches._warned.clear()
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        litellm_mimo.register()
        litellm_mimo.register()
    warnings = [r.getMessage() for r in caplog.records if "get_provider_models" in r.getMessage()]
    assert len(warnings) == 1 and patches.litellm_version() in warnings[0]
    assert "cannot list xiaomi/<id>" in warnings[0]
    assert litellm.completion.__litellm_mimo__  # the rest is registered


def test_register_is_idempotent():
    litellm_mimo.register()
    litellm_mimo.register()
    entries = [e for e in litellm.custom_provider_map if e["provider"] == "xiaomi"]
    assert entries == [{"provider": "xiaomi", "custom_handler": provider.handler}]
    for function in (litellm.completion, litellm.main.completion):
        assert function.__litellm_mimo__
        assert not hasattr(function.__wrapped__, "__litellm_mimo__")  # wrapped once, not twice


def test_unregister_undoes_everything(mimo):
    originals = {p.key: patches._installed[p.key].original for p in REPLACED if p.key in patches._installed}
    assert len(originals) >= 14
    litellm_mimo.unregister()
    try:
        for key, original in originals.items():
            module, _, name = key.rpartition(".")
            assert getattr(__import__(module, fromlist=[name]), name) is original, key
        assert all(e["provider"] != "xiaomi" for e in litellm.custom_provider_map)
        assert "xiaomi" not in litellm._custom_providers
        assert "xiaomi/mimo-v2.6-pro" not in litellm.model_cost
        assert not [k for k in getattr(litellm.utils, "_runtime_registered_model_cost", {}) if k.startswith("xiaomi/")]
        with pytest.raises(litellm.BadRequestError, match="LLM Provider NOT provided"):
            litellm.completion(model=MODEL, messages=HI, api_key="k", api_base=mimo.url)
        assert mimo.requests == []
    finally:
        litellm_mimo.register()
    assert "xiaomi/mimo-v2.6-pro" in litellm.model_cost


def test_the_proxys_model_list_hook_is_wrapped_and_restored():
    model_checks = pytest.importorskip("litellm.proxy.auth.model_checks")
    litellm_mimo.register()  # its module is loaded now: the proxy-only entry applies
    wrapped = model_checks.get_provider_models
    assert wrapped.__litellm_mimo__
    assert "xiaomi/mimo-v2.6-pro" in wrapped(provider="xiaomi", litellm_params=None)
    litellm_mimo.unregister()
    try:
        assert model_checks.get_provider_models is wrapped.__wrapped__
    finally:
        litellm_mimo.register()


def test_unregister_leaves_a_later_plugins_wrapper_and_passes_calls_through(mimo):
    ours = litellm.speech
    seen = []

    def other_plugin(*args, **kwargs):  # another package wrapped litellm.speech after us
        seen.append(kwargs["model"])
        return ours(*args, **kwargs)

    litellm.speech = other_plugin
    try:
        litellm_mimo.unregister()
        assert litellm.speech is other_plugin  # not removed from under the other plugin
        with pytest.raises(litellm.BadRequestError, match="LLM Provider NOT provided"):  # LiteLLM's own answer
            litellm.speech(model="xiaomi/mimo-v2.5-tts", input="Hi.", api_base=mimo.url, api_key="k")
        assert seen == ["xiaomi/mimo-v2.5-tts"] and mimo.requests == []
        litellm_mimo.register()  # ours comes back to life where it is, not wrapped twice
        assert litellm.speech is other_plugin
        assert litellm.speech(model="xiaomi/mimo-v2.5-tts", input="Hi.", api_base=mimo.url,
                              api_key="k").content[:4] == b"RIFF"
    finally:
        litellm.speech = ours
        litellm_mimo.register()


def test_a_reloaded_cost_map_does_not_bring_unregistered_models_back():
    reapply = getattr(litellm.utils, "reapply_runtime_model_cost_registrations", None)
    if reapply is None:
        pytest.skip("this LiteLLM replays no registrations on reload")
    litellm_mimo.unregister()
    try:
        reapply()  # what LiteLLM's cost-map reload does after adopting a new map
        assert "xiaomi/mimo-v2.6-pro" not in litellm.model_cost
    finally:
        litellm_mimo.register()


def test_other_providers_keep_litellms_param_handling():
    """`thinking` is accepted for xiaomi/ only: another custom provider still gets
    LiteLLM's UnsupportedParamsError, exactly as shipped."""
    from litellm.llms.custom_llm import CustomLLM

    class Echo(CustomLLM):
        def completion(self, *args, **kwargs):
            kwargs["model_response"].choices[0].message.content = "echo"
            return kwargs["model_response"]

    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": "echo", "custom_handler": Echo()}]
    try:
        with pytest.raises(litellm.UnsupportedParamsError, match="thinking"):
            litellm.completion(model="echo/x", messages=HI, thinking={"type": "disabled"})
        with pytest.raises(litellm.UnsupportedParamsError, match="reasoning_effort"):
            litellm.completion(model="echo/x", messages=HI, reasoning_effort="low")
    finally:
        litellm.custom_provider_map = [e for e in litellm.custom_provider_map if e["provider"] != "echo"]
