"""MiMo's replay rule, kept for callers that drop ``reasoning_content``.

With thinking on (MiMo's default), every earlier assistant turn that carries ``tool_calls`` must
come back with its ``reasoning_content``, or MiMo answers 400 (docs/mimo-api.md, "Chat request").
Agent frameworks drop that field when they send the history back (the OpenAI Agents SDK keeps it
only for model names containing "deepseek"), so the second turn of their tool loops fails.

The package remembers the reasoning it served with each tool-call turn and re-attaches it when
that turn comes back without it. ``reasoning_replay`` (per call or deployment) chooses:

- ``"store"`` (the default): re-attach what is known; when a turn is unknown (history written by
  hand, another gateway, a restart, an expired entry), send the request with thinking disabled,
  which MiMo's rule does not cover, and say so in the log;
- ``"strict"``: re-attach what is known, send the rest as given (MiMo's 400 for an unknown turn);
- ``"off"``: send the history as given.

A turn's key is a digest of the caller's identity (in the proxy the key's hash, team and user;
in code the process), the turn's tool-call ids, and its calls' names and arguments (compared as
parsed JSON, so a framework that re-serializes arguments still finds them). A caller gets back only
reasoning served for that very turn. On the shipped proxy without a database every client shares
the master key: there MiMo's random call ids and the calls' digest keep conversations apart.

Where it lives: in the process (``MemoryStore``: at most ``MAX_TURNS`` turns and ``MAX_CHARS``
characters of reasoning, each kept ``TTL_SECONDS``, the oldest dropped first), or, in a proxy
whose Router has a Redis (proxy_config.fleet.yaml), in that Redis, so that turn 2 may land on
another replica (``RedisStore``, entries expiring after ``TTL_SECONDS``).
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from . import errors
from .log import logger


MODES = ("store", "strict", "off")
TTL_SECONDS = 3600
MAX_TURNS = 4096
MAX_CHARS = 16 * 2**20
REDIS_PREFIX = "litellm-mimo:reasoning:"


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _arguments(arguments: Any) -> str:
    """Arguments as canonical JSON, whatever spacing or key order a framework re-serialized them in."""
    try:
        value = json.loads(arguments) if isinstance(arguments, str) else arguments
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return str(arguments)


def turn_key(identity: str, tool_calls: list) -> str:
    """The key of one assistant turn: who asked, its tool-call ids, its calls' names and arguments."""
    digest = hashlib.sha256(identity.encode())
    for call in tool_calls:
        function = _field(call, "function") or {}
        parts = (_field(call, "id") or "", _field(function, "name") or "", _arguments(_field(function, "arguments")))
        for part in parts:
            digest.update(b"\0" + str(part).encode())
    return digest.hexdigest()


def identity(litellm_params: Mapping | None) -> str:
    """Who is asking: in the proxy the calling key's hash, its team and user; in code, the process."""
    params = litellm_params or {}
    metadata = {**(params.get("litellm_metadata") or {}), **(params.get("metadata") or {})}
    return "|".join(str(metadata.get(name) or "") for name in ("user_api_key_hash", "user_api_key_team_id",
                                                                "user_api_key_user_id"))


def missing(identity: str, messages: list) -> dict[int, str]:
    """The assistant turns with tool calls that came back without their reasoning, by position,
    each with its key."""
    return {i: turn_key(identity, _field(m, "tool_calls")) for i, m in enumerate(messages)
            if _field(m, "role") == "assistant" and _field(m, "tool_calls") and not _field(m, "reasoning_content")}


class MemoryStore:
    """The reasoning of recent tool-call turns in this process, bounded in turns, characters and age."""

    def __init__(self, max_turns: int = MAX_TURNS, max_chars: int = MAX_CHARS, ttl: float = TTL_SECONDS) -> None:
        self.max_turns, self.max_chars, self.ttl = max_turns, max_chars, ttl
        self._turns: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self.chars = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._turns)

    def put(self, key: str, reasoning: str) -> None:
        with self._lock:
            if key in self._turns:
                self.chars -= len(self._turns.pop(key)[1])
            self._turns[key] = (time.monotonic() + self.ttl, reasoning)
            self.chars += len(reasoning)
            while self._turns and (len(self._turns) > self.max_turns or self.chars > self.max_chars
                                   or next(iter(self._turns.values()))[0] < time.monotonic()):
                self.chars -= len(self._turns.popitem(last=False)[1][1])

    def get(self, key: str) -> str | None:
        with self._lock:
            found = self._turns.get(key)
        return found[1] if found is not None and found[0] >= time.monotonic() else None

    async def aput(self, key: str, reasoning: str) -> None:
        self.put(key, reasoning)

    async def aget(self, key: str) -> str | None:
        return self.get(key)


class RedisStore:
    """The same, in the Redis the proxy's Router is configured with (shared by every replica)."""

    def __init__(self, redis_cache: Any, ttl: float = TTL_SECONDS) -> None:
        self.redis, self.ttl = redis_cache, ttl

    def put(self, key: str, reasoning: str) -> None:
        self.redis.set_cache(REDIS_PREFIX + key, reasoning, ttl=self.ttl)

    def get(self, key: str) -> str | None:
        return self.redis.get_cache(REDIS_PREFIX + key)

    async def aput(self, key: str, reasoning: str) -> None:
        await self.redis.async_set_cache(REDIS_PREFIX + key, reasoning, ttl=self.ttl)

    async def aget(self, key: str) -> str | None:
        return await self.redis.async_get_cache(REDIS_PREFIX + key)


memory = MemoryStore()
_redis_stores: dict[int, RedisStore] = {}


def store() -> MemoryStore | RedisStore:
    """The proxy Router's Redis when it has one (read where LiteLLM's proxy keeps its Router, only
    when the proxy is loaded), else this process's memory."""
    proxy_server = sys.modules.get("litellm.proxy.proxy_server")
    router = getattr(proxy_server, "llm_router", None)
    redis_cache = getattr(getattr(router, "cache", None), "redis_cache", None)
    if redis_cache is None:
        return memory
    return _redis_stores.setdefault(id(redis_cache), RedisStore(redis_cache))


def mode_of(value: object) -> str:
    mode = value or "store"
    if mode not in MODES:
        raise errors.bad_request(f"reasoning_replay={value!r}: use one of {', '.join(MODES)}.")
    return mode


def thinking_on(reasoning_model: bool, params: Mapping) -> bool:
    """Whether MiMo thinks for this request (on by default on reasoning models), and so applies the rule."""
    chosen = {**params, **(params.get("extra_body") or {})}
    thinking = chosen.get("thinking")
    disabled = isinstance(thinking, Mapping) and thinking.get("type") == "disabled"
    return reasoning_model and not disabled and chosen.get("reasoning_effort") != "none"


def asked_for(params: Mapping) -> str | None:
    """What the caller asked for that a request with thinking disabled will not do, in words."""
    if params.get("reasoning_effort") is not None:
        return f"reasoning_effort={params['reasoning_effort']!r}"
    return "thinking" if params.get("thinking") is not None else None


def without_thinking(params: Mapping) -> dict:
    """The call's parameters with MiMo's thinking switched off."""
    return {**{k: v for k, v in params.items() if k != "reasoning_effort"}, "thinking": {"type": "disabled"}}


def reattach(messages: list, found: dict[int, str | None]) -> list:
    """The history with each found reasoning put back on its turn (dicts copied, never changed)."""
    out = list(messages)
    for i, reasoning in found.items():
        if reasoning:
            message = out[i]
            data = dict(message) if isinstance(message, Mapping) else message.model_dump(exclude_none=True)
            data["reasoning_content"] = reasoning
            out[i] = data
    return out


def served(response_message: Any) -> tuple[list, str] | None:
    """The tool calls and reasoning of an answer worth remembering, or None."""
    calls, reasoning = _field(response_message, "tool_calls"), _field(response_message, "reasoning_content")
    return (list(calls), reasoning) if calls and reasoning else None


def warn_unknown(turns: int, asked: str | None) -> None:
    also = f"; the {asked} asked for is not sent either" if asked else ""
    logger.warning("MiMo requires the reasoning_content of every earlier tool-call turn while thinking is on; %d "
                   "turn(s) came back without it and none is stored for them (history written by hand, another "
                   "gateway, a restart, or older than %d s): sending this request with thinking disabled%s. "
                   "reasoning_replay='strict' sends it as given instead.", turns, TTL_SECONDS, also)
