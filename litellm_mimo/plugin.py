"""Plugging MiMo into LiteLLM, and unplugging it.

``register()`` (run by ``import litellm_mimo``) does three things, all undone by
``unregister()``:

1. adds the ``xiaomi`` handler to ``litellm.custom_provider_map``;
2. registers the catalogue's models with ``litellm.register_model`` (cost tracking, model info);
3. wraps a few LiteLLM module functions, acting on ``xiaomi/...`` models only and passing
   every other call through untouched:
   - ``completion`` (``litellm.completion``, and ``litellm.main.completion``, which
     ``acompletion`` and so the Router reach by name at call time): LiteLLM refuses ``thinking``
     and ``reasoning_effort`` for custom providers, and its OpenAI-like mapping silently drops
     ``user``. Adding them to ``allowed_openai_params`` for ``xiaomi/`` calls only is the scoped
     way through; widening LiteLLM's shared OpenAI-like list would change every other custom
     provider (docs/litellm-internals.md, "Param gate").
   - ``speech``, ``transcription``, ``embedding`` and their async twins (``audio.py``): LiteLLM
     has no hook for a custom provider's audio, and the Router calls these by attribute;
   - inside the proxy, ``get_provider_models``, so ``/v1/models`` lists every ``xiaomi/<id>``.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Any

import litellm

from . import audio, discovery, models, provider
from .provider import handler

PROVIDER = models.PROVIDER
# Caller params LiteLLM would refuse or drop for a custom provider, forwarded as sent.
PASSTHROUGH_PARAMS = ("thinking", "reasoning_effort", "user")

_wrapped: dict[tuple[str, str], Callable] = {}  # (module, attribute) -> LiteLLM's original
_registered_models: list[str] = []


def is_mimo_call(args: tuple, kwargs: dict) -> bool:
    model = kwargs.get("model", args[0] if args else None)
    return kwargs.get("custom_llm_provider") == PROVIDER or (
        isinstance(model, str) and model.startswith(PROVIDER + "/")
    )


def wrap(module_name: str, attribute: str, make_wrapper: Callable[[Callable], Callable]) -> None:
    """Replace ``module.attribute`` by ``make_wrapper(original)``, once; ``unregister`` restores it."""
    key = (module_name, attribute)
    if key in _wrapped:
        return
    module = importlib.import_module(module_name)
    original = getattr(module, attribute)
    wrapper = make_wrapper(original)
    functools.update_wrapper(wrapper, original)
    wrapper.__litellm_mimo__ = True
    _wrapped[key] = original
    setattr(module, attribute, wrapper)


def ensure_registered() -> None:
    """Register the catalogue again if LiteLLM's cost map was replaced since (``litellm.model_cost =
    ...`` drops every entry ``register_model`` made; LiteLLM's own reload replays them)."""
    if _registered_models and _registered_models[0] not in litellm.model_cost:
        litellm.register_model(models.litellm_model_map())


def _completion_wrapper(original: Callable) -> Callable:
    def completion(*args: Any, **kwargs: Any) -> Any:
        if is_mimo_call(args, kwargs):
            ensure_registered()
            sent = [p for p in PASSTHROUGH_PARAMS if kwargs.get(p) is not None]
            if sent:
                allowed = list(kwargs.get("allowed_openai_params") or [])
                kwargs["allowed_openai_params"] = allowed + [p for p in sent if p not in allowed]
        return original(*args, **kwargs)

    return completion


def _provider_models_wrapper(original: Callable) -> Callable:
    # The proxy expands a `xiaomi/*` deployment in /v1/models through get_provider_models,
    # which knows only LiteLLM's built-in providers: answer for ours.
    def get_provider_models(provider: str, litellm_params: Any = None) -> Any:
        if provider == PROVIDER:
            return [f"{PROVIDER}/{model_id}" for model_id in served_ids(litellm_params)]
        return original(provider=provider, litellm_params=litellm_params)

    return get_provider_models


def served_ids(litellm_params: Any = None) -> list[str]:
    """The ids a ``xiaomi/*`` deployment serves today: the catalogue's current models,
    ``XIAOMI_MODELS``, and what MiMo itself listed for the deployment's key at the last
    background fetch (retired ids never)."""
    ids = [m.id for m in models.list_models()]
    params = litellm_params if isinstance(litellm_params, dict) else dict(getattr(litellm_params, "__dict__", {}) or {})
    api_key = provider.find_api_key(params.get("api_key"))
    if api_key:
        listed = discovery.discovery.listed(provider.resolve_api_base(params.get("api_base")), api_key)
        ids += [i for i in listed if i not in ids and not models.lookup(i).retired()]
    return ids


def register() -> None:
    """Make ``xiaomi/...`` models work in LiteLLM. Idempotent."""
    if not any(entry.get("provider") == PROVIDER for entry in litellm.custom_provider_map):
        litellm.custom_provider_map = [
            *litellm.custom_provider_map,
            {"provider": PROVIDER, "custom_handler": handler},
        ]
    litellm.utils.custom_llm_setup()
    model_map = models.litellm_model_map()
    _registered_models.extend(key for key in model_map if key not in _registered_models)
    litellm.register_model(model_map)
    for module_name in ("litellm", "litellm.main"):
        wrap(module_name, "completion", _completion_wrapper)
        for name, make_wrapper in audio.WRAPPERS.items():
            wrap(module_name, name, make_wrapper)
    if "litellm.proxy.auth.model_checks" in sys.modules:  # only inside the proxy
        wrap("litellm.proxy.auth.model_checks", "get_provider_models", _provider_models_wrapper)


def unregister() -> None:
    """Undo everything ``register`` changed in LiteLLM."""
    for (module_name, attribute), original in list(_wrapped.items()):
        setattr(importlib.import_module(module_name), attribute, original)
        del _wrapped[(module_name, attribute)]
    litellm.custom_provider_map = [e for e in litellm.custom_provider_map if e.get("provider") != PROVIDER]
    for registry in (litellm._custom_providers, litellm.provider_list):
        while PROVIDER in registry:
            registry.remove(PROVIDER)
    for key in _registered_models:
        litellm.model_cost.pop(key, None)
    _registered_models.clear()
    litellm.utils._invalidate_model_cost_lowercase_map()
