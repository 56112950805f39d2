"""What the LiteLLM functions ``patches.py`` replaces do for ``xiaomi/`` calls: the param gate
of ``completion``, ``speech`` / ``transcription`` (and their async twins) in MiMo's chat dialect,
the capability answers, and the proxy's model list.

LiteLLM has no hook for a custom provider's audio: ``speech()`` and ``transcription()`` raise
``'xiaomi' is not a valid LlmProviders`` (docs/litellm-internals.md, "Audio routes"). Each MiMo
request of a speech or transcription goes through ``litellm.completion`` / ``acompletion``, which
keeps LiteLLM's logging, cost and retries.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import litellm

from . import audio_calls, capabilities, credentials, discovery, errors, models, settings, speech, transcription

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


# --- what the patched LiteLLM functions do (patches.py installs them) -------------------------
#
# Each takes LiteLLM's original first: `xiaomi/` calls are served here, every other call goes to
# the original untouched.

# Caller params LiteLLM would refuse or drop for a custom provider, forwarded as sent.
PASSTHROUGH_PARAMS = ("thinking", "reasoning_effort", "user")


def is_mimo_call(args: tuple, kwargs: dict) -> bool:
    model = kwargs.get("model", args[0] if args else None)
    return kwargs.get("custom_llm_provider") == models.PROVIDER or (
        isinstance(model, str) and model.startswith(models.PROVIDER + "/")
    )


def completion(original: Callable, *args: Any, **kwargs: Any) -> Any:
    """LiteLLM refuses ``thinking`` and ``reasoning_effort`` for custom providers and drops
    ``user``: listing them in ``allowed_openai_params`` for ``xiaomi/`` calls only is the scoped
    way through (docs/litellm-internals.md, "Param gate")."""
    if is_mimo_call(args, kwargs):
        models.ensure_registered()
        settings.refuse_client_settings(kwargs)
        sent = [p for p in PASSTHROUGH_PARAMS if kwargs.get(p) is not None]
        if sent:
            allowed = list(kwargs.get("allowed_openai_params") or [])
            kwargs["allowed_openai_params"] = allowed + [p for p in sent if p not in allowed]
    return original(*args, **kwargs)


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
            models.ensure_registered()
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
            models.ensure_registered()
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


def _is_ours(model: object, provider: object) -> bool:
    return provider == models.PROVIDER or (not provider and isinstance(model, str)
                                           and model.startswith(models.PROVIDER + "/"))


def supported_openai_params(original: Callable, model: str, custom_llm_provider: str | None = None,
                            request_type: str = "chat_completion", base_model: str | None = None) -> list | None:
    """LiteLLM answers every custom provider from one generic list: answer for ours
    (``capabilities.py``)."""
    if _is_ours(model, custom_llm_provider):
        models.ensure_registered()
        return capabilities.supported_params(model.removeprefix(models.PROVIDER + "/"), request_type)
    return original(model=model, custom_llm_provider=custom_llm_provider, request_type=request_type,
                    base_model=base_model)


def model_info(original: Callable, model: str, custom_llm_provider: str | None = None, api_base: str | None = None,
               api_key: str | None = None) -> Any:
    """Capability reads (``litellm.supports_*``, ``get_model_info``) find the catalogue also after
    ``litellm.model_cost`` was replaced, as LiteLLM's own provider tests do before they check."""
    if _is_ours(model, custom_llm_provider):
        models.ensure_registered()
    return original(model=model, custom_llm_provider=custom_llm_provider, api_base=api_base, api_key=api_key)


def provider_models(original: Callable, provider: str, litellm_params: Any = None) -> Any:
    """The proxy expands a ``xiaomi/*`` deployment in ``/v1/models`` through this hook, which knows
    only LiteLLM's built-in providers: answer for ours."""
    if provider == models.PROVIDER:
        return [f"{models.PROVIDER}/{model_id}" for model_id in served_ids(litellm_params)]
    return original(provider=provider, litellm_params=litellm_params)


def served_ids(litellm_params: Any = None) -> list[str]:
    """The ids a ``xiaomi/*`` deployment serves today: the catalogue's current models,
    ``XIAOMI_MODELS``, and what MiMo itself listed for the deployment's key at the last
    background fetch (retired ids never)."""
    ids = [m.id for m in models.list_models()]
    params = litellm_params.model_dump() if hasattr(litellm_params, "model_dump") else dict(litellm_params or {})
    api_key = credentials.find_api_key(params.get("api_key"))
    try:
        api_base = credentials.api_base(params.get("api_base"), params.get("region"), api_key, models.PROVIDER)
    except litellm.BadRequestError:  # a Token Plan key without its host: nothing to ask
        return ids
    if api_key:
        listed = discovery.discovery.listed(api_base, api_key)
        ids += [i for i in listed if i not in ids and not models.lookup(i).retired()]
    return ids
