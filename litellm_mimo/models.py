"""The catalogue: everything the package knows about MiMo's models, and what it does not know
(docs/mimo-api.md, "Models"). Cost tracking, model info, the proxy's model list, the retirement
rules and the pre-flight checks all read from here.

Lifecycle is computed, never flagged by hand: each model carries the dates Xiaomi announced
(Beijing time, to the hour where Xiaomi gave one) and its direct successor, and whether it is
retired is decided by ``now()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone

from .errors import PROVIDER


ONE_M_SUFFIX = "[1m]"
ONE_M_CONTEXT = 1_048_576
BEIJING = timezone(timedelta(hours=8))
TODAY_ENV = "LITELLM_MIMO_TODAY"  # pins "now" (tests, and reproducing a report): see now()
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


def is_ours(model: object, provider: object = None) -> bool:
    """Whether a LiteLLM call is for this package: its provider is ``xiaomi``, or, none given, its
    model is ``xiaomi/<id>``."""
    return provider == PROVIDER or (not provider and isinstance(model, str) and model.startswith(PROVIDER + "/"))


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


