"""What LiteLLM's capability functions say about xiaomi/ models, as frameworks read them (DSPy picks
its adapters from them, Google ADK sends reasoning_effort only when listed), also after LiteLLM's
cost map is replaced the way LiteLLM's own provider tests replace it."""

import litellm
import pytest

from litellm_mimo import capabilities, models

CHAT = ["mimo-v2.6-pro", "mimo-v2.6-flash", "mimo-v2.6-pro-ultraspeed", "mimo-v2.6-pro[1m]"]
FRAMEWORKS_READ = ("reasoning_effort", "response_format", "tools", "tool_choice", "web_search_options",
                   "stream_options", "max_completion_tokens")


@pytest.mark.parametrize("model", CHAT)
def test_supported_params_are_what_the_package_accepts(model):
    listed = litellm.get_supported_openai_params(model=model, custom_llm_provider="xiaomi")
    assert set(FRAMEWORKS_READ) <= set(listed)
    assert listed == list(capabilities.PARAMS_BY_MODE["chat"])
    assert litellm.get_model_info(f"xiaomi/{model}")["supported_openai_params"] == listed
    assert litellm.get_supported_openai_params(model=f"xiaomi/{model}") == listed  # the prefixed form DSPy passes


def test_audio_models_list_what_they_accept():
    tts = litellm.get_supported_openai_params(model="mimo-v2.5-tts", custom_llm_provider="xiaomi")
    assert "audio" in tts and not {"thinking", "tools", "tool_choice", "stop", "response_format"} & set(tts)
    assert litellm.get_supported_openai_params(model="mimo-v2.5-asr", custom_llm_provider="xiaomi",
                                               request_type="transcription") == ["language", "response_format",
                                                                                 "temperature"]
    assert litellm.get_supported_openai_params(model="mimo-v2.6-pro", custom_llm_provider="xiaomi",
                                               request_type="transcription") is None


def test_every_listed_chat_param_reaches_mimo(mimo):
    """Listed means accepted: none refused by LiteLLM's gate or the package, each sent on (translated
    where the package translates it)."""
    values = {"frequency_penalty": 0.1, "max_completion_tokens": 50, "presence_penalty": 0.2, "stop": ["\n\n"],
              "reasoning_effort": "low", "response_format": {"type": "json_object"}, "temperature": 0.5,
              "thinking": {"type": "enabled"}, "top_p": 0.9, "user": "u-1", "parallel_tool_calls": True,
              "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
              "tool_choice": "auto", "web_search_options": {"search_context_size": "low"}}
    listed = set(litellm.get_supported_openai_params(model="mimo-v2.6-pro", custom_llm_provider="xiaomi"))
    assert set(values) <= listed
    litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "Hi"}],
                       api_base=mimo.url, api_key="k", **values)
    body = mimo.requests[0]["body"]
    translated = {"web_search_options": "tools", "tools": "tools"}
    assert all(translated.get(name, name) in body for name in values)
    assert {"type": "web_search", "limit": 5} in body["tools"]


@pytest.mark.parametrize("model", ["mimo-v2.6-pro", "mimo-v2.6-flash"])
def test_the_flags_frameworks_read_hold(model):
    name = f"xiaomi/{model}"
    assert litellm.supports_reasoning(name) and litellm.supports_function_calling(name)
    assert litellm.supports_response_schema(name) and litellm.utils.supports_prompt_caching(name)
    assert litellm.utils.supports_none_reasoning_effort(name)  # "none" is sent as thinking disabled
    info = litellm.get_model_info(name)
    assert info["supports_none_reasoning_effort"] is True and info["supports_minimal_reasoning_effort"] is False
    assert not litellm.supports_function_calling("xiaomi/mimo-v2.5-tts")


def test_capabilities_survive_a_replaced_cost_map(monkeypatch):
    """LiteLLM's provider tests do `litellm.model_cost = litellm.get_model_cost_map(url="")` before they
    check capabilities: the xiaomi/ entries are gone from the new map until something registers them."""
    monkeypatch.setattr(litellm, "model_cost", litellm.get_model_cost_map(url=""))
    litellm.get_model_info.cache_clear()  # what the earlier tests cached must not answer for us
    litellm.utils.cached_get_model_info_helper.cache_clear()
    assert "xiaomi/mimo-v2.6-pro" not in litellm.model_cost
    assert litellm.supports_reasoning("xiaomi/mimo-v2.6-pro")
    assert litellm.supports_function_calling(model="mimo-v2.6-flash", custom_llm_provider="xiaomi")
    assert "reasoning_effort" in litellm.get_model_info("xiaomi/mimo-v2.6-pro")["supported_openai_params"]


def test_other_custom_providers_keep_litellms_generic_answer():
    from litellm.llms.custom_llm import CustomLLM

    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": "echo", "custom_handler": CustomLLM()}]
    litellm.utils.custom_llm_setup()
    try:
        listed = litellm.get_supported_openai_params(model="x", custom_llm_provider="echo")
        assert "reasoning_effort" not in listed and "n" in listed  # LiteLLM's generic OpenAI-like list
    finally:
        litellm.custom_provider_map = [e for e in litellm.custom_provider_map if e["provider"] != "echo"]


def test_the_catalogues_reasoning_efforts_are_what_the_flags_say():
    from litellm_mimo import chat

    info = models.CATALOGUE["mimo-v2.6-pro"].litellm_info()
    for effort in ("none", "low", "minimal", "xhigh", "max"):
        assert info[f"supports_{effort}_reasoning_effort"] is (effort in chat.REASONING_EFFORTS)
