"""The param gate, for ``xiaomi/`` calls only: LiteLLM refuses ``thinking`` and ``reasoning_effort``
for a custom provider and drops ``user``, unless they are listed in ``allowed_openai_params``
(docs/litellm-internals.md, "Param gate"). ``patches.py`` installs ``completion`` in place of
``litellm.completion`` and ``litellm.main.completion``; every other call goes to LiteLLM untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import models, registration, settings


# Caller params LiteLLM would refuse or drop for a custom provider, forwarded as sent.
PASSTHROUGH_PARAMS = ("thinking", "reasoning_effort", "user")


def is_mimo_call(args: tuple, kwargs: dict) -> bool:
    return models.is_ours(kwargs.get("model", args[0] if args else None), kwargs.get("custom_llm_provider"))


def completion(original: Callable, *args: Any, **kwargs: Any) -> Any:
    """LiteLLM refuses ``thinking`` and ``reasoning_effort`` for custom providers and drops
    ``user``: listing them in ``allowed_openai_params`` for ``xiaomi/`` calls only is the scoped
    way through (docs/litellm-internals.md, "Param gate")."""
    if is_mimo_call(args, kwargs):
        registration.ensure_registered()
        settings.refuse_client_settings(kwargs)
        sent = [p for p in PASSTHROUGH_PARAMS if kwargs.get(p) is not None]
        if sent:
            allowed = list(kwargs.get("allowed_openai_params") or [])
            kwargs["allowed_openai_params"] = allowed + [p for p in sent if p not in allowed]
    return original(*args, **kwargs)
