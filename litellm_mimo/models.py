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
    retired_on: str | None = None  # Beijing date Xiaomi gives
    use_instead: str | None = None

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
_TTS = dict(mode="audio_speech", max_output_tokens=8_192, input_price=0.0, cached_input_price=0.0, output_price=0.0)  # free for now

CATALOGUE: dict[str, MiMoModel] = {
    m.id: m
    for m in (
        MiMoModel("mimo-v2.6-pro", **_CHAT, **_PRO),
        MiMoModel("mimo-v2.6-flash", **_CHAT, **_FLASH),
        MiMoModel("mimo-v2.6-pro-ultraspeed", **{**_CHAT, "max_output_tokens": 128_000}),  # priced by contract
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

# V2 names Xiaomi auto-routed from 2026-06-18 and stopped resolving on 2026-06-30.
RENAMED = {
    "mimo-v2-flash": "mimo-v2.5",
    "mimo-v2-omni": "mimo-v2.5",
    "mimo-v2-pro": "mimo-v2.5-pro",
    "mimo-v2-tts": "mimo-v2.5-tts",
}


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
    """``xiaomi/<id>`` -> LiteLLM model info, for ``litellm.register_model``. Renamed V2 ids
    carry their successor's info, so they are priced as it."""
    entries = {f"{PROVIDER}/{m.id}": m.litellm_info() for m in list_models()}
    for old, new in RENAMED.items():
        entries[f"{PROVIDER}/{old}"] = lookup(new).litellm_info()
    return entries
