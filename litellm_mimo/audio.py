"""``litellm.speech`` / ``transcription`` (and their async twins) for ``xiaomi/...`` models, and
the clear refusal of ``embedding``.

LiteLLM has no hook for a custom provider's audio: ``speech()`` and ``transcription()`` raise
``'xiaomi' is not a valid LlmProviders`` (docs/litellm-internals.md). The Router, and so the proxy,
calls ``litellm.aspeech`` / ``litellm.atranscription`` by attribute at call time, so
``plugin.register`` wraps those module functions; the wrappers send ``xiaomi/`` calls here
and everything else to LiteLLM's original. Each MiMo request goes through
``litellm.completion`` / ``acompletion``, which keeps LiteLLM's logging, cost and retries.
"""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import litellm
from litellm.types.llms.openai import HttpxBinaryResponseContent
from litellm.types.utils import TranscriptionResponse, TranscriptionUsageTokensObject

from . import errors, models, speech, transcription

# Arguments of the outer call that the inner chat calls inherit.
_INHERITED = ("api_key", "api_base", "timeout", "metadata", "litellm_metadata", "proxy_server_request",
              "tags", "litellm_trace_id", "litellm_session_id", "model_info")


def _arguments(signature: inspect.Signature, args: tuple, kwargs: dict) -> dict:
    """The call's arguments by name, as LiteLLM's own signature binds them."""
    bound = signature.bind_partial(*args, **kwargs)
    arguments = dict(bound.arguments)
    arguments.update(arguments.pop("kwargs", {}) or {})
    return arguments


def _model_id(arguments: dict) -> str:
    model = arguments["model"]
    return model.split("/", 1)[1] if model.startswith(models.PROVIDER + "/") else model


def _drop_params(arguments: dict) -> bool:
    return bool(arguments.get("drop_params") or litellm.drop_params)


def _inner(arguments: dict) -> dict:
    inner = {k: arguments[k] for k in _INHERITED if arguments.get(k) is not None}
    if arguments.get("base_url") and "api_base" not in inner:
        inner["api_base"] = arguments["base_url"]
    # num_retries only when the caller gave it: LiteLLM stamps an inner call's num_retries on its
    # exception, and the Router (which removes num_retries before calling aspeech) then takes a
    # stamped 0 as "do not retry" where a chat call of the same deployment would be retried.
    if arguments.get("num_retries") is not None:
        inner["num_retries"] = arguments["num_retries"]
    if arguments.get("max_retries") is not None:
        inner["max_retries"] = arguments["max_retries"]
    if arguments.get("headers"):
        inner["extra_headers"] = arguments["headers"]
    return inner


def _cost(responses: list) -> float | None:
    costs = [r._hidden_params.get("response_cost") for r in responses]
    return None if any(c is None for c in costs) else sum(costs)


# --- speech ----------------------------------------------------------------------------------


def _speech_plan(arguments: dict) -> speech.SpeechPlan:
    return speech.plan(
        _model_id(arguments), arguments.get("input"), voice=arguments.get("voice"),
        instructions=arguments.get("instructions"), response_format=arguments.get("response_format"),
        speed=arguments.get("speed"), drop_params=_drop_params(arguments),
    )


def _speech_result(plan: speech.SpeechPlan, responses: list) -> HttpxBinaryResponseContent:
    audio = speech.join([speech.audio_from_response(r, plan.model) for r in responses], plan.response_format)
    result = HttpxBinaryResponseContent(httpx.Response(200, content=audio, headers={"content-type": plan.content_type}))
    result._hidden_params = {"custom_llm_provider": models.PROVIDER, "model": plan.model,
                             "response_cost": _cost(responses),
                             "litellm_call_id": responses[-1]._hidden_params.get("litellm_call_id")}
    return result


def speech_sync(arguments: dict) -> HttpxBinaryResponseContent:
    plan, inner = _speech_plan(arguments), _inner(arguments)
    responses = [litellm.completion(**speech.chat_kwargs(plan, piece), **inner) for piece in plan.pieces]
    return _speech_result(plan, responses)


async def speech_async(arguments: dict) -> HttpxBinaryResponseContent:
    plan, inner = _speech_plan(arguments), _inner(arguments)
    responses = [await litellm.acompletion(**speech.chat_kwargs(plan, piece), **inner) for piece in plan.pieces]
    return _speech_result(plan, responses)


# --- transcription ---------------------------------------------------------------------------


def _transcription_plan(arguments: dict) -> transcription.TranscriptionPlan:
    return transcription.plan(
        _model_id(arguments), arguments.get("file"), language=arguments.get("language"),
        prompt=arguments.get("prompt"), response_format=arguments.get("response_format"),
        timestamp_granularities=arguments.get("timestamp_granularities"),
        temperature=arguments.get("temperature"), drop_params=_drop_params(arguments),
    )


def _transcription_result(plan: transcription.TranscriptionPlan, responses: list, arguments: dict):
    text = transcription.join_texts([transcription.text_of(r, plan.model) for r in responses])
    if plan.response_format == "text" and arguments.get("proxy_server_request") is not None:
        # The proxy's route returns a starlette Response unchanged (docs/litellm-internals.md): the way
        # to give an OpenAI client the plain-text body it asked for.
        from starlette.responses import PlainTextResponse

        return PlainTextResponse(text)
    result = TranscriptionResponse(text=text)
    usages = [r.usage for r in responses if getattr(r, "usage", None) is not None]
    prompt = sum(u.prompt_tokens for u in usages)
    output = sum(u.completion_tokens for u in usages)
    audio_tokens = sum(getattr(u.prompt_tokens_details, "audio_tokens", None) or 0 for u in usages)
    result.usage = TranscriptionUsageTokensObject(
        type="tokens", input_tokens=prompt, output_tokens=output, total_tokens=prompt + output,
        input_token_details={"audio_tokens": audio_tokens, "text_tokens": prompt - audio_tokens},
    )
    seconds = sum(getattr(u, "seconds", 0) or 0 for u in usages)
    result._hidden_params = {
        "custom_llm_provider": models.PROVIDER, "model": plan.model, "response_cost": _cost(responses),
        "audio_seconds": seconds, "audio_transcription_duration": seconds, "pieces": len(responses),
    }
    return result


def transcription_sync(arguments: dict):
    plan, inner = _transcription_plan(arguments), _inner(arguments)
    responses = [litellm.completion(**transcription.chat_kwargs(plan, p), **inner) for p in plan.pieces]
    return _transcription_result(plan, responses, arguments)


async def transcription_async(arguments: dict):
    plan, inner = _transcription_plan(arguments), _inner(arguments)
    responses = [await litellm.acompletion(**transcription.chat_kwargs(plan, p), **inner) for p in plan.pieces]
    return _transcription_result(plan, responses, arguments)


# --- embeddings ------------------------------------------------------------------------------


def no_embeddings(arguments: dict) -> None:
    raise errors.bad_request(
        f"MiMo has no embeddings: {arguments.get('model')} cannot embed text "
        "(MiMo serves chat, speech and transcription only).", model=str(arguments.get("model")))


# --- the wrappers plugin.register installs ---------------------------------------------------


def _wrapper(signature_name: str, implementation):
    """A wrapper factory for ``plugin.wrap``: ``xiaomi/`` calls go to ``implementation`` with
    the call's arguments bound by LiteLLM's own signature of ``signature_name`` (the async
    twins take ``*args, **kwargs``), and errors carry OpenAI's ``type``, which the proxy's
    audio routes put in the error body. Every other call goes to LiteLLM's original."""

    def make(original):
        from .plugin import is_mimo_call

        signature = inspect.signature(getattr(litellm.main, signature_name))  # follows __wrapped__

        if inspect.iscoroutinefunction(implementation):
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                if not is_mimo_call(args, kwargs):
                    return await original(*args, **kwargs)
                try:
                    return await implementation(_arguments(signature, args, kwargs))
                except Exception as exc:
                    raise errors.with_openai_type(exc) from None
        else:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if not is_mimo_call(args, kwargs):
                    return original(*args, **kwargs)
                try:
                    return implementation(_arguments(signature, args, kwargs))
                except Exception as exc:
                    raise errors.with_openai_type(exc) from None
        return wrapper

    return make


async def _no_embeddings_async(arguments: dict) -> None:
    no_embeddings(arguments)


# LiteLLM function -> wrapper factory
WRAPPERS = {
    "speech": _wrapper("speech", speech_sync),
    "aspeech": _wrapper("speech", speech_async),
    "transcription": _wrapper("transcription", transcription_sync),
    "atranscription": _wrapper("transcription", transcription_async),
    "embedding": _wrapper("embedding", no_embeddings),
    "aembedding": _wrapper("embedding", _no_embeddings_async),
}
