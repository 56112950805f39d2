"""The proxy's ``/v1/models`` for a ``xiaomi/*`` deployment: LiteLLM expands a wildcard deployment
through a hook that knows only its built-in providers; ``patches.py`` installs ``provider_models``
in its place, which answers for ours and passes every other provider through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import litellm

from . import credentials, discovery, models


def provider_models(original: Callable, provider: str, litellm_params: Any = None, **kwargs: Any) -> Any:
    """The proxy expands a ``xiaomi/*`` deployment in ``/v1/models`` through this hook, which knows
    only LiteLLM's built-in providers: answer for ours."""
    if provider == models.PROVIDER:
        return [f"{models.PROVIDER}/{model_id}" for model_id in served_ids(litellm_params)]
    return original(provider=provider, litellm_params=litellm_params, **kwargs)


def served_ids(litellm_params: Any = None) -> list[str]:
    """The ids a ``xiaomi/*`` deployment serves today: the catalogue's current models,
    ``XIAOMI_MODELS``, and what MiMo itself listed for the deployment's key at the last
    background fetch (retired ids never)."""
    ids = [m.id for m in models.list_models()]
    params = litellm_params.model_dump() if hasattr(litellm_params, "model_dump") else dict(litellm_params or {})
    api_key = credentials.find_api_key(params.get("api_key"))
    try:
        api_base = credentials.api_base(params.get("api_base"), params.get("region"), api_key)
    except litellm.BadRequestError:  # a Token Plan key without its host: nothing to ask
        return ids
    if api_key:
        listed = discovery.discovery.listed(api_base, api_key)
        ids += [i for i in listed if i not in ids and not models.lookup(i).retired()]
    return ids
