"""``litellm.speech`` / ``transcription`` (and their async twins) for ``xiaomi/`` models: the
arguments of the call bound by LiteLLM's own signatures, turned into a plan (``speech.py``,
``transcription.py``) and the inner MiMo chat calls it is made of (``audio_calls.py``), which
inherit what they need of the outer call.

LiteLLM has no hook for a custom provider's audio: ``speech()`` and ``transcription()`` raise
``'xiaomi' is not a valid LlmProviders`` (docs/litellm-internals.md, "Audio routes"). ``patches.py``
installs the four routes below in their place; every other model goes to LiteLLM untouched.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import litellm

from . import audio_calls, errors, models, registration, settings, speech, transcription
from .param_gate import is_mimo_call


# Arguments of the outer call that the inner chat calls inherit.
_INHERITED = ("api_key", "api_base", "region", "upstream_model", "timeout", "metadata", "litellm_metadata",
              "proxy_server_request", "tags", "litellm_trace_id", "litellm_session_id", "model_info")


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


def _inner(arguments: dict, model: str, call_type: str) -> dict:
    """The arguments of each MiMo chat call a speech or transcription is made of; LiteLLM's logging
    sees each as a call of ``call_type`` (``speech``, ``aspeech``, ...), one event per piece."""
    inner = {k: arguments[k] for k in _INHERITED if arguments.get(k) is not None}
    inner["logged_as"] = call_type
    if arguments.get("base_url") and "api_base" not in inner:
        inner["api_base"] = arguments["base_url"]
    # num_retries only when the caller gave it: LiteLLM stamps an inner call's num_retries on its
    # exception, and the Router (which removes num_retries before calling aspeech) then takes a
    # stamped 0 as "do not retry" where a chat call of the same deployment would be retried.
    if arguments.get("num_retries") is not None:
        inner["num_retries"] = arguments["num_retries"]
    # Not as max_retries: LiteLLM sets that to 0 on every call carrying the Router's metadata,
    # which these calls inherit (for spend attribution).
    inner["piece_retries"] = _piece_retries(arguments)
    headers = {**(arguments.get("extra_headers") or {}), **(arguments.get("headers") or {})}
    if headers:
        inner["extra_headers"] = headers
    return inner


def _piece_retries(arguments: dict) -> int:
    """Each piece is retried on a transient failure before any of its bytes go out: nothing can be
    retried after (a streamed speech's first bytes are on their way), and the Router's own retries
    (it passes max_retries=0, as LiteLLM does for every call it makes) redo the whole call. A
    caller's own max_retries, in code, is the number for each piece."""
    setting = settings.PIECE_RETRIES
    router_call = any("model_group" in (arguments.get(k) or ()) for k in ("metadata", "litellm_metadata"))
    if arguments.get(setting.name) is None:  # then the caller's max_retries, named as the caller named it
        setting = setting._replace(name="max_retries")
    given = None if setting.name == "max_retries" and router_call else arguments.get(setting.name)
    return settings.count(setting, given, least=0)


def _window(arguments: dict) -> int:
    return settings.count(settings.CONCURRENCY, arguments.get(settings.CONCURRENCY.name), least=1)


# --- speech ----------------------------------------------------------------------------------


def _speech_plan(arguments: dict) -> speech.SpeechPlan:
    return speech.plan(
        _model_id(arguments), arguments.get("input"), voice=arguments.get("voice"),
        instructions=arguments.get("instructions"), response_format=arguments.get("response_format"),
        speed=arguments.get("speed"), drop_params=_drop_params(arguments),
        max_chars=arguments.get(settings.SPEECH_CHARS.name),
    )


def _streams(arguments: dict) -> bool:
    """A speech comes back as it is made when the caller asks (``stream=True``), and always inside
    the proxy, whose speech route reads it with ``aiter_bytes`` (docs/litellm-internals.md, "Audio
    routes"); otherwise whole, as LiteLLM's built-in speech providers return it."""
    return bool(arguments.get("stream")) or arguments.get("proxy_server_request") is not None


def speech_sync(arguments: dict):
    plan = _speech_plan(arguments)
    return audio_calls.speak(plan, _inner(arguments, plan.model, "speech"), _window(arguments),
                             _streams(arguments))


async def speech_async(arguments: dict):
    plan = _speech_plan(arguments)
    return await audio_calls.aspeak(plan, _inner(arguments, plan.model, "aspeech"), _window(arguments),
                                    _streams(arguments))


# --- transcription ---------------------------------------------------------------------------


def _transcription_plan(arguments: dict) -> transcription.TranscriptionPlan:
    return transcription.plan(
        _model_id(arguments), arguments.get("file"), language=arguments.get("language"),
        prompt=arguments.get("prompt"), response_format=arguments.get("response_format"),
        timestamp_granularities=arguments.get("timestamp_granularities"),
        temperature=arguments.get("temperature"), drop_params=_drop_params(arguments),
        max_mb=arguments.get(settings.TRANSCRIPTION_MB.name),
    )


def _plain_text(plan: transcription.TranscriptionPlan, arguments: dict) -> bool:
    return plan.response_format == "text" and arguments.get("proxy_server_request") is not None


def transcription_sync(arguments: dict):
    plan = _transcription_plan(arguments)
    answers = audio_calls.transcribe(plan, _inner(arguments, plan.model, "transcription"), _window(arguments))
    return audio_calls.transcription_result(plan, answers, _plain_text(plan, arguments))


async def transcription_async(arguments: dict):
    plan = _transcription_plan(arguments)
    answers = await audio_calls.atranscribe(plan, _inner(arguments, plan.model, "atranscription"),
                                            _window(arguments))
    return audio_calls.transcription_result(plan, answers, _plain_text(plan, arguments))


@functools.cache
def _signature(name: str) -> inspect.Signature:
    """LiteLLM's own signature of ``litellm.main.<name>`` (the async twins take ``*args, **kwargs``)."""
    return inspect.signature(getattr(litellm.main, name))  # follows __wrapped__ through wrappers


def _served(name: str, implementation: Callable) -> Callable:
    """A route: ``xiaomi/`` calls go to ``implementation`` with the call's arguments bound by name,
    and their errors carry the call's model and OpenAI's ``type``, which the proxy's audio routes put
    in the error body."""
    if inspect.iscoroutinefunction(implementation):
        async def route(original: Callable, *args: Any, **kwargs: Any) -> Any:
            if not is_mimo_call(args, kwargs):
                return await original(*args, **kwargs)
            registration.ensure_registered()
            arguments = _arguments(_signature(name), args, kwargs)
            try:
                settings.refuse_client_settings(kwargs)
                return await implementation(arguments)
            except Exception as exc:
                raise errors.with_openai_type(errors.stamped(exc, arguments["model"])) from None
    else:
        def route(original: Callable, *args: Any, **kwargs: Any) -> Any:
            if not is_mimo_call(args, kwargs):
                return original(*args, **kwargs)
            registration.ensure_registered()
            arguments = _arguments(_signature(name), args, kwargs)
            try:
                settings.refuse_client_settings(kwargs)
                return implementation(arguments)
            except Exception as exc:
                raise errors.with_openai_type(errors.stamped(exc, arguments["model"])) from None
    route.__name__ = route.__qualname__ = implementation.__name__
    return route


speech_route = _served("speech", speech_sync)
aspeech_route = _served("speech", speech_async)
transcription_route = _served("transcription", transcription_sync)
atranscription_route = _served("transcription", transcription_async)
