"""Plugging into LiteLLM: the table of LiteLLM internals the package relies on (checked on every
LiteLLM version CI runs), loud failure when one is missing, and an unregister() that restores
what register() changed, even under another plugin's wrapper."""

import importlib
import logging

import litellm
import pytest

import litellm_mimo
from litellm_mimo import log, patches, provider
from tests.conftest import AUDIO, ROOT

MODEL = "xiaomi/mimo-v2.6-pro"
HI = [{"role": "user", "content": "Hi"}]
REPLACED = [p for p in patches.TABLE if p.route is not None]


# A required entry needs no test here: without it `import litellm_mimo` raises IncompatibleLiteLLM.
# An optional one only warns, so this is where CI learns that a LiteLLM version lost it. Not the
# proxy's app: importing it sets the proxy up in this process (the proxy tests' 413s prove it).
OPTIONAL = [p for p in patches.TABLE if p.optional and p.module != "litellm.proxy.proxy_server"]


@pytest.mark.parametrize("patch", OPTIONAL, ids=[p.key for p in OPTIONAL])
def test_every_optional_litellm_internal_the_package_relies_on_is_here(patch):
    pytest.importorskip(patch.module)  # a proxy module's entry is checked only once it is loaded
    assert patches.problem(patch) is None


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
    log.said.clear()
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
    assert set(originals) == {p.key for p in REPLACED if patches._module(p) is not None}  # every one loaded
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


@pytest.mark.parametrize("module", ["litellm", "litellm.main"])
@pytest.mark.parametrize("name", ["completion", "speech", "aspeech", "transcription", "atranscription"])
async def test_every_replaced_function_serves_xiaomi_by_each_name(mimo, module, name):
    """Callers reach these functions as litellm.X and as litellm.main.X (acompletion and the Router by
    the former or the latter): each name must serve xiaomi/ itself."""
    function = getattr(importlib.import_module(module), name)
    call = {"completion": dict(model=MODEL, messages=HI, thinking={"type": "disabled"}),  # the param gate
            "speech": dict(model="xiaomi/mimo-v2.5-tts", input="Hi."),
            "transcription": dict(model="xiaomi/mimo-v2.5-asr", file=("a.mp3", (AUDIO / "good-morning.mp3").read_bytes()))}
    result = function(**call[name.removeprefix("a")], api_base=mimo.url, api_key="k")
    if name.startswith("a"):
        result = await result
    assert len(mimo.requests) == 1 and mimo.requests[0]["body"]["model"] == call[name.removeprefix("a")]["model"][7:]


def test_a_reference_taken_while_registered_passes_through_after_unregister(mimo):
    held_completion = litellm.completion
    from litellm import speech as held_speech

    litellm_mimo.unregister()
    try:
        # LiteLLM's own answers, as if the package had never been there (not a KeyError)
        for held, original, call in ((held_completion, litellm.completion, dict(model=MODEL, messages=HI)),
                                     (held_speech, litellm.speech, dict(model="xiaomi/mimo-v2.5-tts", input="Hi."))):
            assert held is not original
            errors = []
            for function in (held, original):
                try:
                    function(**call, api_key="k", api_base=mimo.url)
                except (litellm.BadRequestError, ValueError) as exc:
                    errors.append((type(exc), str(exc)))
            assert len(errors) == 2 and errors[0] == errors[1]
        assert held_completion(model="gpt-4o", messages=HI, mock_response="ok").choices[0].message.content == "ok"
        assert mimo.requests == []
    finally:
        litellm_mimo.register()
    assert held_speech(model="xiaomi/mimo-v2.5-tts", input="Hi.", api_key="k", api_base=mimo.url).content[:4] == b"RIFF"


def _layers(app) -> list:
    layers, layer = [], app.middleware_stack
    while layer is not None:
        layers.append(layer)
        layer = getattr(layer, "app", None)
    return layers


@pytest.mark.proxy
def test_the_body_limit_leaves_with_unregister_whenever_it_came():
    """Installed before Starlette built the app's middleware stack or after, it is gone after
    unregister() and back after register()."""
    from litellm_mimo import limits

    proxy_server = pytest.importorskip("litellm.proxy.proxy_server")
    app = proxy_server.app
    try:
        for built in (False, True):
            litellm_mimo.unregister()
            if not built:
                app.middleware_stack = None  # as on import, before the app's first call
            litellm_mimo.register()
            assert isinstance(app.middleware_stack, limits.BodyLimit)
            litellm_mimo.unregister()
            assert not any(isinstance(layer, limits.BodyLimit) for layer in _layers(app))
            assert not any(m.cls is limits.BodyLimit for m in app.user_middleware)
            litellm_mimo.register()
            assert sum(isinstance(layer, limits.BodyLimit) for layer in _layers(app)) == 1
    finally:
        litellm_mimo.register()


def test_at_most_13_litellm_functions_are_replaced():
    model_checks = pytest.importorskip("litellm.proxy.auth.model_checks")  # the proxy's one, loaded
    litellm_mimo.register()
    assert model_checks.get_provider_models.__litellm_mimo__
    assert len(patches.replaced()) <= 13, patches.replaced()


def test_every_row_names_a_test_that_exists():
    for patch in patches.TABLE:
        path, _, name = patch.test.partition("::")
        assert f"def {name}(" in (ROOT / path).read_text(), patch.test


def test_a_replacement_that_would_refuse_a_parameter_litellm_added_is_a_problem(monkeypatch):
    """LiteLLM 1.110 added keyword parameters to get_model_info_helper and passes them when it
    prices a call: a route without them lost every price. check() names such a route at register()."""
    def helper(model, custom_llm_provider=None, api_base=None, api_key=None, *, preserve_unset_costs=False):
        return {}

    def narrow_route(original, model, custom_llm_provider=None):
        return original(model=model, custom_llm_provider=custom_llm_provider)

    monkeypatch.setattr(litellm.utils, "get_model_info_helper", helper)
    row = next(p for p in patches.TABLE if p.key == "litellm.utils.get_model_info_helper")
    assert patches.problem(row) is None  # the package's own route takes what LiteLLM adds
    narrow = patches.Patch(row.module, row.name, row.why, row.relies_on, row.test, params=("model",), route=narrow_route)
    assert patches.problem(narrow) == ("litellm.utils.get_model_info_helper takes parameters the package's "
                                       "replacement would refuse")
