"""What the package accepts for each model, as LiteLLM's capability functions report it.

Frameworks ask LiteLLM before they call a model (docs/litellm-internals.md, "Capabilities"):
DSPy picks its adapters from ``litellm.get_supported_openai_params`` and the ``supports_*``
functions; Google ADK sends ``reasoning_effort`` only when that list names it. For a custom
provider LiteLLM answers from one generic list, so ``patches.py`` routes the question for
``xiaomi/`` models here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import models, registration

# OpenAI chat parameters MiMo honours (docs/mimo-api.md, "Chat request"), those the package
# translates (reasoning_effort, web_search_options, a json_schema response_format, a forced
# tool_choice: docs/usage.md), MiMo's own `thinking`, and those LiteLLM hands the package to act on.
_LITELLM = ("extra_headers", "max_retries")
_COMMON = ("max_completion_tokens", "max_tokens", "stream", "stream_options", "temperature", "top_p", "user", *_LITELLM)
PARAMS_BY_MODE = {
    "chat": (*_COMMON, "frequency_penalty", "presence_penalty", "parallel_tool_calls", "reasoning_effort",
             "response_format", "stop", "thinking", "tool_choice", "tools", "web_search_options"),
    # MiMo's TTS models refuse thinking, tools, tool_choice, stop and response_format; `audio` picks
    # the voice and the format (the chat dialect of speech).
    "audio_speech": (*_COMMON, "audio"),
    "audio_transcription": _COMMON,  # one input_audio part; temperature and streaming are documented
}
# litellm.transcription's parameters the package sends on (transcription.py); prompt and
# timestamp_granularities are refused (MiMo returns plain text only).
TRANSCRIPTION_PARAMS = ("language", "response_format", "temperature")


def supported_params(model_id: str, request_type: str = "chat_completion") -> list[str] | None:
    """The OpenAI parameters a call of ``xiaomi/<model_id>`` accepts; None where LiteLLM's own
    answer for a custom provider is None too (embeddings; transcription of a model without it)."""
    mode = models.lookup(model_id).mode
    if request_type == "chat_completion":
        return list(PARAMS_BY_MODE[mode])
    if request_type == "transcription" and mode == "audio_transcription":
        return list(TRANSCRIPTION_PARAMS)
    return None


def supported_openai_params(original: Callable, model: str, custom_llm_provider: str | None = None,
                            request_type: str = "chat_completion", **kwargs: Any) -> list | None:
    """LiteLLM answers every custom provider from one generic list: answer for ours."""
    if models.is_ours(model, custom_llm_provider):
        registration.ensure_registered()
        return supported_params(model.removeprefix(models.PROVIDER + "/"), request_type)
    return original(model=model, custom_llm_provider=custom_llm_provider, request_type=request_type, **kwargs)


def model_info(original: Callable, model: str, custom_llm_provider: str | None = None, **kwargs: Any) -> Any:
    """Capability reads (``litellm.supports_*``, ``get_model_info``) find the catalogue also after
    ``litellm.model_cost`` was replaced, as LiteLLM's own provider tests do before they check."""
    if models.is_ours(model, custom_llm_provider):
        registration.ensure_registered()
    return original(model=model, custom_llm_provider=custom_llm_provider, **kwargs)
