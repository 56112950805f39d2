"""The catalogue: everything the package knows about MiMo's models (mimo-api.md, "Models,
context, prices, lifecycle"). Cost tracking, model info, the proxy's model list and the
renamed-model aliases all read from here.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace

logger = logging.getLogger("litellm_mimo")

PROVIDER = "xiaomi"
ONE_M_SUFFIX = "[1m]"
ONE_M_CONTEXT = 1_048_576


@dataclass(frozen=True)
class MiMoModel:
    id: str
    mode: str  # LiteLLM's mode: "chat", "audio_speech" or "audio_transcription"
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    # USD per 1M tokens, as Xiaomi publishes them; None = no published price (cost unknown).
    input_price: float | None = None
    cached_input_price: float | None = None
    output_price: float | None = None
    reasoning: bool = False
    tools: bool = False
    vision: bool = False
    audio_input: bool = False
    status: str = "current"  # "current" or "retired"
    launched: str | None = None  # dates as Xiaomi gives them (Beijing time)
    retired_on: str | None = None
    use_instead: str | None = None
    refused_params: tuple[str, ...] = ()  # fields MiMo's docs say this model does not accept

    @property
    def priced(self) -> bool:
        return self.input_price is not None and self.output_price is not None

    def litellm_info(self) -> dict:
        """The entry for ``litellm.register_model`` (key ``xiaomi/<id>``)."""
        info: dict = {"litellm_provider": PROVIDER, "mode": self.mode}
        if self.max_input_tokens:
            info["max_input_tokens"] = self.max_input_tokens
        if self.max_output_tokens:
            info["max_output_tokens"] = info["max_tokens"] = self.max_output_tokens
        if self.priced:
            info["input_cost_per_token"] = self.input_price / 1e6
            info["output_cost_per_token"] = self.output_price / 1e6
            if self.cached_input_price is not None:
                info["cache_read_input_token_cost"] = self.cached_input_price / 1e6
        info.update(
            supports_reasoning=self.reasoning,
            supports_function_calling=self.tools,
            supports_tool_choice=self.tools,
            supports_vision=self.vision,
            supports_audio_input=self.audio_input,
        )
        return info


_PRO = dict(input_price=0.435, cached_input_price=0.0036, output_price=0.87)
_FLASH = dict(input_price=0.14, cached_input_price=0.0028, output_price=0.28)
_CHAT = dict(mode="chat", max_input_tokens=ONE_M_CONTEXT, max_output_tokens=131_072, reasoning=True, tools=True)
_V26 = dict(_CHAT, launched="2026-09-22")
_TTS = dict(mode="audio_speech", max_output_tokens=8_192, input_price=0.0, cached_input_price=0.0, output_price=0.0,
            refused_params=("thinking", "tools", "tool_choice", "stop", "response_format"))  # free for now

CATALOGUE: dict[str, MiMoModel] = {
    m.id: m
    for m in (
        MiMoModel("mimo-v2.6-pro", **_V26, **_PRO),
        MiMoModel("mimo-v2.6-flash", **_V26, **_FLASH),
        MiMoModel("mimo-v2.6-pro-ultraspeed", **_V26),  # "1M / 128K", priced by contract: no price here
        MiMoModel("mimo-v2.5-pro", **_CHAT, **_PRO, status="retired", retired_on="2026-10-21",
                  use_instead="mimo-v2.6-pro"),
        MiMoModel("mimo-v2.5", **_CHAT, **_FLASH, vision=True, audio_input=True, status="retired",
                  retired_on="2026-10-21", use_instead="mimo-v2.6-flash"),
        MiMoModel("mimo-v2.5-tts", **_TTS),
        MiMoModel("mimo-v2.5-tts-voicedesign", **_TTS),
        MiMoModel("mimo-v2.5-tts-voiceclone", **_TTS),
        MiMoModel("mimo-v2.5-asr", mode="audio_transcription", audio_input=True),  # price only "reported"
    )
}
for _base in ("mimo-v2.6-pro", "mimo-v2.5-pro"):
    CATALOGUE[_base + ONE_M_SUFFIX] = replace(CATALOGUE[_base], id=_base + ONE_M_SUFFIX, max_input_tokens=ONE_M_CONTEXT)

# V2 names Xiaomi auto-routed from 2026-06-18 (at V2.5 prices) and stopped resolving on 2026-06-30.
RENAMED = {
    "mimo-v2-flash": "mimo-v2.5",
    "mimo-v2-omni": "mimo-v2.5",
    "mimo-v2-pro": "mimo-v2.5-pro",
    "mimo-v2-tts": "mimo-v2.5-tts",
}
_warned_renames: set[str] = set()


def upstream_id(model_id: str) -> str:
    """The id MiMo receives for ``xiaomi/<model_id>``: verbatim, except a renamed V2 id, which
    is sent as its successor (with a deprecation warning, once per id and process)."""
    successor = RENAMED.get(model_id)
    if successor is None:
        return model_id
    if model_id not in _warned_renames:
        _warned_renames.add(model_id)
        logger.warning(
            "MiMo model %s was renamed: Xiaomi routed it to %s from 2026-06-18 and stopped resolving "
            "it on 2026-06-30. Sending %s instead (priced as it); update your configuration.",
            model_id, successor, successor,
        )
    return successor


def retirement_notice(model_id: str) -> str | None:
    """What to tell a user whose request for a retired model MiMo refused."""
    model = CATALOGUE.get(model_id)
    if model is None or model.status != "retired":
        return None
    return (f"{model_id} was retired by Xiaomi on {model.retired_on}; use {model.use_instead} instead "
            f"(same prices).")


def check_request(model_id: str, body: dict) -> str | None:
    """A rule from MiMo's docs that this request breaks, as a message; None if it is fine."""
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
    return None


def lookup(model_id: str) -> MiMoModel:
    """What the package knows of an id: the catalogue entry, else the entry of the id without
    its ``[1m]`` suffix (with the 1M context), else an unpriced chat model."""
    model_id = RENAMED.get(model_id, model_id)
    if model_id in CATALOGUE:
        return CATALOGUE[model_id]
    if model_id.endswith(ONE_M_SUFFIX) and model_id[: -len(ONE_M_SUFFIX)] in CATALOGUE:
        base = CATALOGUE[model_id[: -len(ONE_M_SUFFIX)]]
        return replace(base, id=model_id, max_input_tokens=ONE_M_CONTEXT)
    return MiMoModel(model_id, mode="chat")


def configured_ids() -> list[str]:
    """Extra ids from ``XIAOMI_MODELS`` (comma-separated)."""
    return [m.strip() for m in os.environ.get("XIAOMI_MODELS", "").split(",") if m.strip()]


def list_models() -> list[MiMoModel]:
    """Every model this package serves: the catalogue plus ``XIAOMI_MODELS``."""
    known = dict(CATALOGUE)
    for model_id in configured_ids():
        known.setdefault(model_id, lookup(model_id))
    return list(known.values())


def litellm_model_map() -> dict[str, dict]:
    """``xiaomi/<id>`` -> LiteLLM model info, for ``litellm.register_model``: priced models
    only, since LiteLLM takes a registered model without prices as free, and an unpublished
    price must stay unknown. Renamed V2 ids carry their successor's info (priced as it)."""
    entries = {f"{PROVIDER}/{m.id}": m.litellm_info() for m in list_models() if m.priced}
    for old, new in RENAMED.items():
        if lookup(new).priced:
            entries[f"{PROVIDER}/{old}"] = lookup(new).litellm_info()
    return entries
