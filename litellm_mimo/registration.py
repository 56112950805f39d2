"""The catalogue (``models.py``) given to LiteLLM: ``litellm.register_model`` entries for cost
tracking and model info, kept there after ``litellm.model_cost`` is replaced, and taken out again.
"""

from __future__ import annotations

import litellm

from .errors import PROVIDER
from .models import current_successor, list_models


def litellm_model_map() -> dict[str, dict]:
    """``xiaomi/<id>`` -> LiteLLM model info, for ``litellm.register_model``: priced models only,
    since LiteLLM takes a registered model without prices as free, and an unpublished price must
    stay unknown. A retired id carries its current successor's info: the only way it is still
    served is ``XIAOMI_UPGRADE_RETIRED``, which sends the successor, priced as it (LiteLLM prices
    a call by the id it was made with)."""
    entries = {}
    for model in list_models(include_retired=True):
        served = current_successor(model)
        if served.priced:
            entries[f"{PROVIDER}/{model.id}"] = served.litellm_info()
    return entries


# --- registration with LiteLLM -------------------------------------------------------------

_registered: list[str] = []  # the xiaomi/<id> keys register() gave LiteLLM


def register() -> None:
    """Give LiteLLM the catalogue's prices and capabilities (cost tracking, model info)."""
    model_map = litellm_model_map()
    _registered.extend(key for key in model_map if key not in _registered)
    litellm.register_model(model_map)


def ensure_registered() -> None:
    """Register again if LiteLLM's cost map was replaced since (``litellm.model_cost = ...``
    drops every entry ``register_model`` made; LiteLLM's own reload replays them)."""
    if _registered and _registered[0] not in litellm.model_cost:
        register()


def unregister() -> None:
    """Take the catalogue out of LiteLLM's cost map, and out of LiteLLM's record of
    ``register_model`` calls, which a cost-map reload would otherwise replay."""
    replayed = getattr(litellm.utils, "_runtime_registered_model_cost", {})
    for key in _registered:
        litellm.model_cost.pop(key, None)
        replayed.pop(key, None)
    _registered.clear()
    litellm.utils._invalidate_model_cost_lowercase_map()
