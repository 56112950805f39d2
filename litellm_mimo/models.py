"""The catalogue: everything the package knows about MiMo's models, and what it does not know
(docs/mimo-api.md, "Models"). Cost tracking, model info, the proxy's model list, the retirement
rules and the pre-flight checks all read from here.

Lifecycle is computed, never flagged by hand: each model carries the dates Xiaomi announced
(Beijing time, to the hour where Xiaomi gave one) and its direct successor, and whether it is
retired is decided by ``now()``.
"""

from __future__ import annotations

import os

import litellm
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone

from . import errors
from .log import warn_once
from .errors import PROVIDER


ONE_M_SUFFIX = "[1m]"
ONE_M_CONTEXT = 1_048_576
BEIJING = timezone(timedelta(hours=8))
TODAY_ENV = "LITELLM_MIMO_TODAY"  # pins "now" (tests, and reproducing a report): see now()
UPGRADE_ENV = "XIAOMI_UPGRADE_RETIRED"
MODELS_ENV = "XIAOMI_MODELS"


def beijing(year: int, month: int, day: int, hour: int = 0) -> datetime:
    """A moment in Beijing time, in which Xiaomi's notices give their dates."""
    return datetime(year, month, day, hour, tzinfo=BEIJING)


def now() -> datetime:
    """Now; ``LITELLM_MIMO_TODAY`` pins it: ``YYYY-MM-DD`` means 00:00 Beijing time that day, and
    ``YYYY-MM-DDTHH:MM`` a time of day, in Beijing time unless it gives its offset (``+00:00``)."""
    pinned = os.environ.get(TODAY_ENV)
    if not pinned:
        return datetime.now(BEIJING)
    moment = datetime.fromisoformat(pinned)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def _moment(on: date | None) -> datetime:
    if on is None:
        return now()
    return on if isinstance(on, datetime) else beijing(on.year, on.month, on.day)


def when(moment: datetime) -> str:
    """A retirement as Xiaomi's notices give it: the date, and the time of day when not midnight."""
    moment = moment.astimezone(BEIJING)
    return f"{moment:%Y-%m-%d}" + (f" {moment:%H:%M} Beijing time" if moment.time() != time() else "")


@dataclass(frozen=True)
class MiMoModel:
    id: str
    mode: str  # LiteLLM's mode: "chat", "audio_speech" or "audio_transcription"
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    # USD per 1M tokens as Xiaomi publishes them; None = no published price (the cost stays unknown).
    input_price: float | None = None
    cached_input_price: float | None = None
    output_price: float | None = None
    audio_second_price: float | None = None  # USD per second of audio (MiMo's usage.seconds)
    reasoning: bool = False
    tools: bool = False
    vision: bool | None = False  # None: not known (nothing is refused for it)
    audio_input: bool | None = False
    prompt_caching: bool = False
    web_search: bool = False
    launched: date | None = None  # None: Xiaomi gave no date we know of
    retires: datetime | None = None  # the moment Xiaomi stops serving the id (Beijing time)
    successor: str | None = None  # Xiaomi's named replacement (itself possibly retired later)
    refused_params: tuple[str, ...] = ()  # fields MiMo's docs say this model does not accept
    reported: bool = False  # its price is reported by third parties, not published by Xiaomi
    catalogued: bool = True  # False: an id the package knows nothing about (XIAOMI_MODELS, discovered)

    @property
    def priced(self) -> bool:
        return self.audio_second_price is not None or (self.input_price is not None and self.output_price is not None)

    def retired(self, on: date | None = None) -> bool:
        return self.retires is not None and _moment(on) >= self.retires

    @property
    def retirement(self) -> str | None:
        return when(self.retires) if self.retires else None

    def litellm_info(self) -> dict:
        """The entry for ``litellm.register_model`` (key ``xiaomi/<id>``)."""
        info: dict = {"litellm_provider": PROVIDER, "mode": self.mode}
        if self.max_input_tokens:
            info["max_input_tokens"] = self.max_input_tokens
        if self.max_output_tokens:
            info["max_output_tokens"] = info["max_tokens"] = self.max_output_tokens
        if self.input_price is not None and self.output_price is not None:
            info["input_cost_per_token"] = self.input_price / 1e6
            info["output_cost_per_token"] = self.output_price / 1e6
            if self.cached_input_price is not None:
                info["cache_read_input_token_cost"] = self.cached_input_price / 1e6
        if self.audio_second_price is not None:
            info["input_cost_per_second"] = self.audio_second_price
        info.update(
            supports_reasoning=self.reasoning,
            supports_function_calling=self.tools,
            supports_tool_choice=self.tools,
            supports_vision=self.vision,
            supports_audio_input=self.audio_input,
            supports_prompt_caching=self.prompt_caching,
            supports_web_search=self.web_search,
            supports_response_schema=self.mode == "chat",  # bridged by structured.py
        )
        if self.mode == "chat":
            info.update(supports_system_messages=True, supports_parallel_function_calling=self.tools,
                        supports_video_input=self.vision)
        if self.reasoning:  # the efforts chat.REASONING_EFFORTS takes; "none" is sent as thinking disabled
            info.update(supports_none_reasoning_effort=True, supports_low_reasoning_effort=True,
                        supports_minimal_reasoning_effort=False, supports_xhigh_reasoning_effort=False,
                        supports_max_reasoning_effort=False)
        return info


_PRO = dict(input_price=0.435, cached_input_price=0.0036, output_price=0.87)
_FLASH = dict(input_price=0.14, cached_input_price=0.0028, output_price=0.28)
_CHAT = dict(mode="chat", max_input_tokens=ONE_M_CONTEXT, max_output_tokens=131_072, reasoning=True, tools=True)
# V2.6 capabilities as a gateway probed them at launch (docs/mimo-api.md, "V2.6").
_V26 = dict(_CHAT, vision=True, audio_input=True, prompt_caching=True, web_search=True, launched=date(2026, 9, 22))
# Cut off at 10:00 Beijing time, not at midnight (docs/mimo-api.md, "Learned 2026-12").
_V25_RETIRES = dict(retires=beijing(2026, 10, 21, 10))
_V2_RETIRES = dict(retires=beijing(2026, 6, 30))
_TTS = dict(mode="audio_speech", max_output_tokens=8_192, input_price=0.0, cached_input_price=0.0, output_price=0.0,
            refused_params=("thinking", "tools", "tool_choice", "stop", "response_format"))  # free for now
# Reported twice, independently: USD 0.074 per audio hour (docs/mimo-api.md, "Models").
ASR_PRICE_PER_SECOND = 0.074 / 3600

CATALOGUE: dict[str, MiMoModel] = {
    m.id: m
    for m in (
        MiMoModel("mimo-v2.6-pro", **_V26, **_PRO),
        MiMoModel("mimo-v2.6-flash", **_V26, **_FLASH),
        # Price and inputs reported by two model catalogues citing Xiaomi's price page (docs/mimo-api.md,
        # "Learned 2026-12"): 10x mimo-v2.6-pro.
        MiMoModel("mimo-v2.6-pro-ultraspeed", **_V26, input_price=4.35, cached_input_price=0.036, output_price=8.70,
                  reported=True),
        # A beta, 3x mimo-v2.5-pro, discontinued 2026-09-08 00:00 Beijing time.
        MiMoModel("mimo-v2.5-pro-ultraspeed", **_CHAT, input_price=1.305, cached_input_price=0.0108, output_price=2.61,
                  launched=date(2026, 6, 8), retires=beijing(2026, 9, 8), successor="mimo-v2.6-pro-ultraspeed"),
        MiMoModel("mimo-v2.5-pro", **_CHAT, **_PRO, **_V25_RETIRES, successor="mimo-v2.6-pro"),
        MiMoModel("mimo-v2.5", **_CHAT, **_FLASH, vision=True, audio_input=True, **_V25_RETIRES,
                  successor="mimo-v2.6-flash"),
        MiMoModel("mimo-v2-pro", mode="chat", **_V2_RETIRES, successor="mimo-v2.5-pro"),
        MiMoModel("mimo-v2-flash", mode="chat", max_input_tokens=262_144, max_output_tokens=65_536,
                  input_price=0.10, cached_input_price=0.01, output_price=0.30, **_V2_RETIRES, successor="mimo-v2.5"),
        MiMoModel("mimo-v2-omni", mode="chat", **_V2_RETIRES, successor="mimo-v2.5"),
        MiMoModel("mimo-v2-tts", mode="audio_speech", **_V2_RETIRES, successor="mimo-v2.5-tts"),
        MiMoModel("mimo-v2.5-tts", **_TTS),
        MiMoModel("mimo-v2.5-tts-voicedesign", **_TTS),
        MiMoModel("mimo-v2.5-tts-voiceclone", **_TTS),
        MiMoModel("mimo-v2.5-asr", mode="audio_transcription", audio_input=True,
                  audio_second_price=ASR_PRICE_PER_SECOND, reported=True),
    )
}
for _base in ("mimo-v2.6-pro", "mimo-v2.5-pro"):
    CATALOGUE[_base + ONE_M_SUFFIX] = replace(
        CATALOGUE[_base], id=_base + ONE_M_SUFFIX, successor=CATALOGUE[_base].successor and
        CATALOGUE[_base].successor + ONE_M_SUFFIX)


def lookup(model_id: str) -> MiMoModel:
    """What the package knows of an id (any case): the catalogue entry, else the entry of the id
    without its ``[1m]`` suffix (with the 1M context), else an uncatalogued, unpriced chat model."""
    model_id = model_id.lower()
    if model_id in CATALOGUE:
        return CATALOGUE[model_id]
    if model_id.endswith(ONE_M_SUFFIX) and model_id[: -len(ONE_M_SUFFIX)] in CATALOGUE:
        base = CATALOGUE[model_id[: -len(ONE_M_SUFFIX)]]
        successor = base.successor and base.successor + ONE_M_SUFFIX
        return replace(base, id=model_id, max_input_tokens=ONE_M_CONTEXT, successor=successor)
    return MiMoModel(model_id, mode="chat", catalogued=False)


def current_successor(model: MiMoModel, on: date | None = None) -> MiMoModel:
    """The model Xiaomi serves in place of ``model`` on that day: its successor, the successor's
    successor, ... until one that is not retired."""
    on = _moment(on)
    seen = {model.id}
    while model.retired(on) and model.successor and model.successor not in seen:
        model = lookup(model.successor)
        seen.add(model.id)
    return model


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
            warn_once(("deprecated", model.id), "MiMo model %s will be retired by Xiaomi on %s; move to %s before then.",
                       model.id, model.retirement, current_successor(model, model.retires).id)
        return model.id
    successor = current_successor(model, on)
    if upgrading_retired() and successor is not model and not successor.retired(on):
        warn_once(("upgraded", model.id), "MiMo model %s was retired by Xiaomi on %s; sending %s instead (%s=1), "
                   "priced as it%s. Update your configuration.", model.id, model.retirement, successor.id, UPGRADE_ENV,
                   price_rise(model, successor))
        return successor.id
    raise errors.bad_request(retirement_notice(model, successor), model=model_id)


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


def models_of_mode(mode: str) -> list[str]:
    """Current catalogue ids of one mode, for error messages that name the right models."""
    return [m.id for m in list_models() if m.mode == mode]


def configured_ids() -> list[str]:
    """Extra ids from ``XIAOMI_MODELS`` (comma-separated)."""
    return [m.strip().lower() for m in os.environ.get(MODELS_ENV, "").split(",") if m.strip()]


def list_models(include_retired: bool = False) -> list[MiMoModel]:
    """Every model this package serves today: the catalogue plus ``XIAOMI_MODELS``, retired ones
    left out unless asked for."""
    known = dict(CATALOGUE)
    for model_id in configured_ids():
        known.setdefault(model_id, lookup(model_id))
    on = now()
    return [m for m in known.values() if include_retired or not m.retired(on)]


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
