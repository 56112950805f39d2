"""The reasoning replay store (``litellm_mimo/replay.py``): what one tool-call turn costs (its key
and ``put`` after the answer, its key and ``get`` before the next request), a chat call in code
whose tool turn the store re-attaches against the same call sent with its reasoning and the store
off, and the store's memory over 10,000 tool turns, held at ``MAX_TURNS`` / ``MAX_CHARS``."""

from __future__ import annotations

import gc
import logging
import random
import time
import tracemalloc
from collections.abc import Callable

import litellm
from litellm.types.utils import ChatCompletionMessageToolCall

from litellm_mimo import log, replay
from benchmarks.measure import API_KEY, MIB, THIS, Settings, expect, interleave, median_ms, spread_ms, timed
from benchmarks.report import row
from benchmarks.upstream import TOOL_CALL, TOOL_REASONING

GROUP = "reasoning replay"
TURNS = 10_000
COST_TARGET_MS = 0.05
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}}, "required": ["city"]}}}
ASK = [{"role": "user", "content": "What's the weather in Paris?"}]
# In the proxy a caller is its key's hash, team and user (replay.identity).
CALLER = "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b|team-research|user-42"
SENTENCE = ("The user wants the forecast, so I call get_weather with the city they named; if they gave no unit "
            "I pick the one usual where they live, and I check the arguments against the tool's schema. ")


def tool_call(i: int) -> dict:
    """A tool call as a caller sends it back (MiMo's call ids are random: each turn its own)."""
    return {"id": f"call_{i:024x}", "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'}}


def reasoning_text(i: int, length: int) -> str:
    """A new string of ``length`` characters, as each answer's reasoning is."""
    text = f"Turn {i}. " + SENTENCE * (length // len(SENTENCE) + 1)
    return text[:length]


# --- the cost of one tool turn -------------------------------------------------------------------


def cpu_timed(call: Callable[[], object]) -> Callable[[], float]:
    """The CPU seconds of this thread in ``call``: work done in process, which other processes
    sharing the cores make longer in wall time but not in CPU time."""
    def measure() -> float:
        gc.collect()
        start = time.thread_time()
        call()
        return time.thread_time() - start
    return measure


def bench_store_cost(s: Settings) -> list[dict]:
    """Per tool turn, in a store already at its bound (each ``put`` drops the oldest turn): the key and
    ``put`` of the answer's tool calls (LiteLLM's objects, as served), then the key and ``get`` of the
    same calls as the caller sends them back (dicts)."""
    store = replay.MemoryStore()
    for i in range(store.max_turns):
        store.put(replay.turn_key(CALLER, [tool_call(i)]), reasoning_text(i, 1_000))
    start = store.max_turns
    sent_back = [[tool_call(start + i)] for i in range(s.store_turns)]
    served = [[ChatCompletionMessageToolCall(**calls[0])] for calls in sent_back]
    texts = [reasoning_text(i, 500 + (i * 997) % 1_501) for i in range(64)]
    expect(replay.turn_key(CALLER, served[0]) == replay.turn_key(CALLER, sent_back[0]),
           "a turn served and the same turn sent back have one key")

    def turns() -> None:
        turn_key, put, get = replay.turn_key, store.put, store.get
        for i, (answer, history) in enumerate(zip(served, sent_back)):
            put(turn_key(CALLER, answer), texts[i & 63])
            found = get(turn_key(CALLER, history))
        expect(found == texts[(len(served) - 1) & 63], "the last turn's reasoning comes back")

    def keys_only() -> None:
        turn_key = replay.turn_key
        for answer, history in zip(served, sent_back):
            turn_key(CALLER, answer)
            turn_key(CALLER, history)

    per_round = interleave({"turn": cpu_timed(turns), "keys": cpu_timed(keys_only)}, 3 * s.rounds, 1)
    per_turn = {name: [seconds / s.store_turns for seconds in rounds] for name, rounds in per_round.items()}
    cost = median_ms(per_turn["turn"])
    return [row(GROUP, "store cost per tool turn: `turn_key` + `put` after the answer, `turn_key` + `get` before "
                "the next request (CPU time)", "ms", cost, target=f"≤ {COST_TARGET_MS} ms", met=cost <= COST_TARGET_MS,
                keys_only_ms=median_ms(per_turn["keys"]), turns_per_round=s.store_turns, store_turns=len(store),
                spread=spread_ms(per_turn))]


# --- a chat call whose tool turn comes back without its reasoning ----------------------------------


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


def bench_store_chat(base: str, s: Settings) -> list[dict]:
    """``litellm.completion`` after a tool turn, MiMo answering another tool turn: the history without
    the turn's reasoning, the store re-attaching it and remembering the answer's (this), against the
    same history sent with its reasoning and ``reasoning_replay="off"`` (baseline: no store work).
    The history sent with its reasoning and the store on (``put`` only) goes into the JSON. Calls
    alternate one by one (A, B, C, A, B, C, ...): the difference looked for is a fraction of a
    millisecond, less than the drift of a shared machine over a round of calls."""
    dropped = [*ASK, {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]},
               {"role": "tool", "tool_call_id": TOOL_CALL["id"], "content": "Sunny, 21 °C"}]
    kept = [dropped[0], {**dropped[1], "reasoning_content": TOOL_REASONING}, dropped[2]]
    common = {"model": THIS, "tools": [WEATHER], "api_base": base, "api_key": API_KEY,
              "extra_headers": {"X-Bench-Tool-Call": "1"}}

    def reattached() -> str:
        return litellm.completion(messages=dropped, **common).choices[0].message.tool_calls[0].function.name

    def present() -> str:
        return litellm.completion(messages=kept, reasoning_replay="off",
                                  **common).choices[0].message.tool_calls[0].function.name

    def present_stored() -> str:
        return litellm.completion(messages=kept, **common).choices[0].message.tool_calls[0].function.name

    targets = {"this": reattached, "raw": present, "present, store on": present_stored}
    litellm.completion(messages=ASK, **common)  # the first turn: its answer's reasoning goes into the store
    warnings = _Warnings()
    log.logger.addHandler(warnings)
    try:
        for name, call in targets.items():
            for _ in range(s.warmup):
                expect(call() == "get_weather", f"reasoning replay, {name}: the tool call comes back")
    finally:
        log.logger.removeHandler(warnings)
    expect(not warnings.seen, f"the store knew the turn (no request sent with thinking disabled): {warnings.seen[:1]}")
    expect(replay.memory.get(replay.turn_key(replay.identity({}), [TOOL_CALL])) == TOOL_REASONING,
           "the answer's reasoning is in the store")
    times = interleave({name: timed(call) for name, call in targets.items()}, s.rounds * s.chat_calls, 1)
    this, baseline = median_ms(times["this"]), median_ms(times["raw"])
    return [row(GROUP, "chat in code: completion after a tool turn, its reasoning re-attached from the store "
                "(baseline: sent with it, `reasoning_replay=\"off\"`)", "ms", this, raw=baseline,
                target="≤ 1.05× baseline (not measurable above noise)", met=this <= 1.05 * baseline,
                this_over_baseline=this / baseline, present_store_on_ms=median_ms(times["present, store on"]),
                spread=spread_ms(times))]


# --- memory over 10,000 tool turns -------------------------------------------------------------------


def fill(shortest: int, longest: int, seed: int) -> dict:
    """10,000 tool turns into a new store with the default bounds, each reasoning a new string of
    ``shortest``-``longest`` characters; what the store holds and the traced memory it keeps (after
    the turn that first reached a bound, and at the end)."""
    lengths = random.Random(seed).choices(range(shortest, longest + 1), k=TURNS)
    store = replay.MemoryStore()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        at_bound = bound_turn = None
        started = time.perf_counter()
        for i, length in enumerate(lengths):
            store.put(replay.turn_key(CALLER, [tool_call(i)]), reasoning_text(i, length))
            if at_bound is None and len(store) <= i:  # the first turn that dropped one
                at_bound, bound_turn = tracemalloc.get_traced_memory()[0] - before, i + 1
        seconds = time.perf_counter() - started
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"turns": len(store), "chars": store.chars, "growth": current - before, "peak_growth": peak - before,
            "at_bound": at_bound, "bound_turn": bound_turn, "characters_put": sum(lengths),
            "seconds_traced": round(seconds, 2)}


def bench_store_memory() -> list[dict]:
    """The store after 10,000 turns, held at its bound in turns (usual reasoning) and in characters
    (long reasoning)."""
    rows = []
    for low, high, seed, held, other, bound, bound_name in (
            (500, 2_000, 25, "turns", "chars", replay.MAX_TURNS, "MAX_TURNS"),
            (4_000, 12_000, 23, "chars", "turns", replay.MAX_CHARS, "MAX_CHARS")):
        found = fill(low, high, seed=seed)
        name = f"store after {TURNS:,} tool turns of {low:,}-{high:,} characters"
        unit = "turns" if held == "turns" else "characters"
        rows.append(row(GROUP, f"{name}: {unit} held", unit, found[held], target=f"≤ {bound_name} ({bound:,})",
                        met=found[held] <= bound, **{f"{other}_held": found[other]}))
        rows.append(row(GROUP, f"{name}: memory growth (baseline: at the bound, turn {found['bound_turn']:,})", "MiB",
                        found["growth"] / MIB, raw=found["at_bound"] / MIB, target="≤ 1.05× at the bound",
                        met=found["growth"] <= 1.05 * found["at_bound"], **found))
    return rows


def bench_replay_store(base: str, s: Settings) -> list[dict]:
    return [*bench_store_cost(s), *bench_store_chat(base, s), *bench_store_memory()]
