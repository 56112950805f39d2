"""What a MiMo answer costs, where LiteLLM's own pricing would be wrong: speech recognition by MiMo's
``usage.seconds`` (LiteLLM prices ``input_cost_per_second`` by response time), and the pieces of a
speech or transcription, whose LiteLLM logging says ``speech`` / ``transcription`` (LiteLLM would
price those by characters or duration, not by MiMo's tokens). The catalogue (``models.py``) holds
the prices; ``registration.py`` gives LiteLLM the rest.
"""

from __future__ import annotations

from collections.abc import Mapping

import litellm

from .errors import PROVIDER
from .models import lookup


def audio_cost(model_id: str, usage: object, model_info: Mapping | None = None) -> float | None:
    """USD for an answer of a model priced per second of audio, from MiMo's ``usage.seconds``; a
    proxy deployment's ``model_info.input_cost_per_second`` overrides the catalogue's price."""
    model = lookup(model_id)
    if model.mode != "audio_transcription":
        return None
    price = (model_info or {}).get("input_cost_per_second", model.audio_second_price)
    seconds = usage.get("seconds") if isinstance(usage, Mapping) else None
    if price is None or not isinstance(seconds, (int, float)):
        return None
    return seconds * float(price)


def piece_cost(model_id: str, usage: object, model_info: Mapping | None = None) -> float | None:
    """USD for one MiMo answer, priced as a chat call of that model: for the pieces of a speech or
    transcription, whose LiteLLM logging says ``speech`` / ``transcription`` (LiteLLM would price
    those by characters or duration, not by MiMo's tokens). None when unknown."""
    audio = audio_cost(model_id, usage, model_info)
    if audio is not None or usage is None:
        return audio
    count = usage.get if isinstance(usage, Mapping) else lambda name: getattr(usage, name, None)
    try:
        return sum(litellm.cost_per_token(model=f"{PROVIDER}/{model_id}", prompt_tokens=count("prompt_tokens") or 0,
                                          completion_tokens=count("completion_tokens") or 0))
    except Exception:  # an unpriced model: the cost stays unknown
        return None
