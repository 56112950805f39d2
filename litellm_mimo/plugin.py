"""Plugging MiMo into LiteLLM, and unplugging it.

``register()`` (run by ``import litellm_mimo``) checks that the installed LiteLLM has everything
the package relies on (``patches.TABLE``), then, all undone by ``unregister()``:

1. adds the ``xiaomi`` handler to ``litellm.custom_provider_map``;
2. registers the catalogue's models with ``litellm.register_model`` (cost tracking, model info);
3. replaces the LiteLLM functions in ``patches.TABLE`` with routes that serve ``xiaomi/`` calls
   (``param_gate.py``, ``audio_routes.py``, ``capabilities.py``, ``model_list.py``) and pass every
   other call through untouched.
"""

from __future__ import annotations

import litellm

from . import models, patches, registration
from .provider import handler


def register() -> None:
    """Make ``xiaomi/...`` models work in LiteLLM. Idempotent."""
    patches.check()
    if not any(entry.get("provider") == models.PROVIDER for entry in litellm.custom_provider_map):
        litellm.custom_provider_map = [
            *litellm.custom_provider_map,
            {"provider": models.PROVIDER, "custom_handler": handler},
        ]
    litellm.utils.custom_llm_setup()
    registration.register()
    patches.install()


def unregister() -> None:
    """Undo everything ``register`` changed in LiteLLM."""
    patches.uninstall()
    litellm.custom_provider_map = [e for e in litellm.custom_provider_map if e.get("provider") != models.PROVIDER]
    for registry in (litellm._custom_providers, litellm.provider_list):
        while models.PROVIDER in registry:
            registry.remove(models.PROVIDER)
    registration.unregister()
