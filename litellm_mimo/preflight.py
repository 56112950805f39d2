"""What is checked before anything is sent, by the catalogue (``models.py``): the id MiMo receives
(lowercase; a retired model refused, or its successor with ``XIAOMI_UPGRADE_RETIRED``), the mode a
model serves, and the rules MiMo's docs state for a request (docs/mimo-api.md). Each refusal is a
400 ``invalid_request_error``: LiteLLM's Router never cools a deployment down for a 400, so one
caller's mistake does not lock out everyone else on a shared deployment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from . import errors
from .log import warn_once
from .models import MiMoModel, current_successor, list_models, lookup, models_of_mode, now

UPGRADE_ENV = "XIAOMI_UPGRADE_RETIRED"


def upgrading_retired() -> bool:
    return os.environ.get(UPGRADE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def upstream_id(model_id: str) -> str:
    """The id MiMo receives for ``xiaomi/<model_id>``: lowercase (MiMo wants lowercase ids).

    A retired model is refused here, before anything is sent, with a ``BadRequestError`` (400:
    LiteLLM's Router never cools a deployment down for a 400, so one caller's retired id does not
    lock out everyone else on a shared ``xiaomi/*`` deployment). With ``XIAOMI_UPGRADE_RETIRED=1``
    (read at each call) its current successor is sent instead. A model whose retirement is
    announced but not reached is sent as asked, with one warning per process.
    """
    model = lookup(model_id)
    on = now()
    if not model.retired(on):
        if model.retires is not None:
            warn_once(("deprecated", model.id), "MiMo model %s will be retired by Xiaomi on %s; move to %s before "
                      "then.", model.id, model.retirement, current_successor(model, model.retires).id)
        return model.id
    successor = current_successor(model, on)
    if upgrading_retired() and successor is not model and not successor.retired(on):
        warn_once(("upgraded", model.id), "MiMo model %s was retired by Xiaomi on %s; sending %s instead (%s=1), "
                   "priced as it%s. Update your configuration.", model.id, model.retirement, successor.id, UPGRADE_ENV,
                   price_rise(model, successor))
        return successor.id
    raise errors.bad_request(retirement_notice(model, successor))


MODE_NAMES = {"chat": "chat", "audio_speech": "text-to-speech", "audio_transcription": "speech-recognition"}


def upstream_id_for(model_id: str, mode: str) -> str:
    """``upstream_id(model_id)`` for a call of that mode; a catalogued model of another mode is
    refused before anything is sent (a 400 naming the models that do it)."""
    upstream = upstream_id(model_id)
    known = lookup(upstream)
    if known.catalogued and known.mode != mode:
        raise errors.bad_request(f"{model_id} is not a {MODE_NAMES[mode]} model (it is a {MODE_NAMES[known.mode]} "
                                 f"model): use {', '.join(models_of_mode(mode))}.", model=model_id)
    return upstream


def price_rise(model: MiMoModel, successor: MiMoModel) -> str:
    """What an upgrade costs more, in words (empty when it does not: both prices must be known)."""
    if not (model.priced and successor.priced and model.input_price and model.output_price) or \
            (successor.input_price <= model.input_price and successor.output_price <= model.output_price):
        return ""
    ratio = successor.output_price / model.output_price
    return (f": USD {successor.input_price:g} / {successor.output_price:g} per 1M input / output tokens against "
            f"{model.id}'s {model.input_price:g} / {model.output_price:g}, about {ratio:.1f} times as much")


def retirement_notice(model: MiMoModel, successor: MiMoModel) -> str:
    return (f"MiMo model {model.id} was retired by Xiaomi on {model.retirement} and no longer answers; "
            f"use {successor.id} instead (or set {UPGRADE_ENV}=1 to have it sent in its place).")


def unknown_model_hint(model_id: str) -> str:
    """What to add when MiMo answers that it does not know an id."""
    mode = lookup(model_id).mode
    return (f"The {mode} models this package knows as current: {', '.join(models_of_mode(mode))} "
            f"(Xiaomi may have retired {model_id} since this release).")


def check_request(model_id: str, body: Mapping) -> str | None:
    """A rule from MiMo's docs that this chat request breaks, as a message; None if it is fine."""
    model = lookup(model_id)
    refused = [p for p in model.refused_params if p in body]
    if refused:
        return (f"{model_id} does not accept {', '.join(refused)} (MiMo's TTS models take only messages "
                f"and audio); remove {'it' if len(refused) == 1 else 'them'}.")
    limit = model.max_output_tokens
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if limit and isinstance(value, int) and not 1 <= value <= limit:
            return f"{name}={value} is out of range for {model_id}: MiMo accepts 1 to {limit}."
    messages = body.get("messages") or []
    for kind, ability in (("image_url", "vision"), ("video_url", "vision"), ("input_audio", "audio_input")):
        if getattr(model, ability) is False and model.catalogued and any(_has_part(m, kind) for m in messages):
            capable = [m.id for m in list_models() if m.mode == "chat" and getattr(m, ability)]
            return (f"{model_id} takes no {kind} parts (no {ability.replace('_', ' ')}): use one of "
                    f"{', '.join(capable)}, or send text only.")
    if model.mode == "audio_speech" and not any(_role(m) == "assistant" for m in messages) \
            and not (body.get("audio") or {}).get("optimize_text_preview"):
        return (f"{model_id} is a text-to-speech model: it speaks the text of an assistant message, and this "
                f"request has none. Use litellm.speech(), or add {{'role': 'assistant', 'content': <text>}}.")
    if model.mode == "audio_transcription" and not any(_has_input_audio(m) for m in messages):
        return (f"{model_id} is a speech-recognition model: it needs a user message with an input_audio part, "
                "and this request has none. Use litellm.transcription(), or send the audio as an input_audio part.")
    return None


def _role(message: object) -> object:
    return message.get("role") if isinstance(message, Mapping) else getattr(message, "role", None)


def _has_part(message: object, kind: str) -> bool:
    content = message.get("content") if isinstance(message, Mapping) else getattr(message, "content", None)
    return isinstance(content, list) and any(isinstance(part, Mapping) and part.get("type") == kind
                                             for part in content)


def _has_input_audio(message: object) -> bool:
    return _role(message) == "user" and _has_part(message, "input_audio")
