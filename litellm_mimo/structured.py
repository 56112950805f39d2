"""Structured outputs and forced tool calls, bridged: MiMo documents only ``response_format``
``text``/``json_object`` and treats every ``tool_choice`` as ``"auto"`` (docs/mimo-api.md, "Chat
request"), while OpenAI clients rely on ``json_schema`` and on forcing a tool. Pure translation:

- ``response_format={"type": "json_schema", ...}`` is sent as ``{"type": "json_object"}`` plus
  ``JSON_INSTRUCTION`` (with the schema) as a system message; the answer must parse and validate
  against the schema (``jsonschema``);
- ``tool_choice={"type": "function", "function": {"name": X}}`` offers MiMo only tool X, with
  ``TOOL_INSTRUCTION``; ``"required"`` offers every tool, with ``ANY_TOOL_INSTRUCTION``; ``"none"``
  sends no tools; ``tool_choice`` itself is not sent. The answer must call the tool; arguments of a
  ``strict`` tool must validate against its parameters;
- an answer that breaks its contract gets one repair request (``repair_body``); ``provider.py``
  sends it and adds up both calls' usage.

``structured_outputs`` (per call or in a deployment's ``litellm_params``) chooses:

- ``"bridge"`` (the default): all of the above; an answer still off its contract after the repair
  is handed back as MiMo gave it, flagged (``flag``), so that a framework's own validation and
  retries run: agent frameworks recover from a plain answer, and a raised error is retried, and
  its repair request sent again, by the proxy's Router and the client alike;
- ``"strict"``: the same, then a 422 (``errors.unmet_contract`` / ``errors.SchemaViolation``);
- ``"validate"``: the instruction and the check, no repair request, then a 422;
- ``"native"``: ``response_format`` and ``tool_choice`` forwarded untouched, nothing checked.

A 422 is neither retried nor a reason to cool a deployment down (LiteLLM's Router), nor retried by
the official clients: one client request costs at most two MiMo requests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import errors

MODES = ("bridge", "strict", "validate", "native")
PROBLEM_FIELD = "structured_output_problem"  # in message.provider_specific_fields of an answer handed back
PROBLEM_HEADER = "llm_provider-x-litellm-mimo-structured-output"  # the proxy sends it as a response header
JSON_INSTRUCTION = ("Answer with one JSON object and nothing else: no prose, no code fence. It must be valid "
                    "against this JSON Schema:\n{schema}")
TOOL_INSTRUCTION = "You must answer by calling the function `{name}`."
ANY_TOOL_INSTRUCTION = "You must answer by calling one of the functions you have been given."
REPAIR_INSTRUCTION = "Your last answer cannot be used: {problem}. Answer again, correctly."
_QUOTED = 2000  # characters of an invalid answer quoted back in a repair request


@dataclass(frozen=True)
class Contract:
    """What an answer must be, beyond what MiMo itself guarantees."""
    schema: dict | None = None  # a json_schema response_format's schema
    schema_name: str = "response"
    tool: str | None = None  # the forced function's name; "*" for any ("required")
    strict_tools: dict[str, dict] = field(default_factory=dict)  # name -> parameters, of strict tools
    offered: tuple[str, ...] = ()  # the function tools MiMo was offered
    repairs: int = 1
    hand_back: bool = True  # after the repairs, return the answer flagged instead of raising

    def problem(self, content: str | None, tool_calls: list[tuple[str, str]]) -> Problem | None:
        """What is wrong with an answer (its text, and its tool calls as (name, arguments)), or None."""
        names = [name for name, _ in tool_calls]
        if self.tool is not None and (not names or (self.tool != "*" and self.tool not in names)):
            return Problem(f"it calls no function, and {_tool_wanted(self.tool)} was required")
        stray = [name for name in names if name not in self.offered]
        if self.tool is not None and stray:
            return Problem(f"it calls `{stray[0]}`, which it was not offered ({', '.join(self.offered)})")
        for name, arguments in tool_calls:
            if name in self.strict_tools:
                found = _json_problem(arguments, self.strict_tools[name])
                if found:
                    return Problem(f"the arguments of `{name}` {found}", f"the parameters of `{name}`",
                                   self.strict_tools[name], arguments)
        if self.schema is not None and not tool_calls:
            found = _json_problem(content or "", self.schema)
            if found:
                return Problem(f"the answer {found}", f"`{self.schema_name}`", self.schema, content or "")
        return None

    def failure(self, problem: Problem, model: str, streamed: bool = False) -> Exception:
        """The exception for an answer that broke the contract, after any repair."""
        tried = ("in a stream, whose chunks were already delivered: no repair request is possible" if streamed
                 else f"after {self.repairs} repair request(s)")
        if problem.schema is None:
            return errors.unmet_contract(f"MiMo's answer does not do what tool_choice required: {problem.text} "
                                         f"({tried}).", model=model)
        return errors.SchemaViolation(
            f"MiMo's answer does not follow the schema {problem.schema_label}: {problem.text} ({tried}).",
            model=model, raw_response=problem.answer, schema=json.dumps(problem.schema, ensure_ascii=False))

    def applies_to(self, finish_reason: str | None) -> bool:
        """An answer cut by the length limit or a content filter is returned as it is, as OpenAI
        does: its finish_reason says why it is incomplete (openai's parse() raises on "length")."""
        return finish_reason not in ("length", "content_filter")


@dataclass(frozen=True)
class Problem:
    """Why an answer breaks its contract: the words sent back in a repair request, and the schema
    it breaks (None: a required tool call is missing) with what broke it."""
    text: str
    schema_label: str = ""
    schema: dict | None = None
    answer: str = ""


def _tool_wanted(tool: str) -> str:
    return "a call of one of the functions offered" if tool == "*" else f"the function `{tool}`"


def _jsonschema():
    """jsonschema, imported on the first request that needs it: it takes ~25 ms, half of what
    ``import litellm_mimo`` may add (benchmarks/README.md)."""
    import jsonschema

    return jsonschema


def _json_problem(text: str, schema: dict) -> str | None:
    jsonschema = _jsonschema()
    try:
        value = json.loads(text)
    except ValueError as exc:
        return f"is not valid JSON ({exc.msg} at character {exc.pos})"
    error = jsonschema.exceptions.best_match(jsonschema.validators.validator_for(schema)(schema).iter_errors(value))
    return None if error is None else f"breaks the schema at {error.json_path}: {error.message}"


def prepare(body: dict, mode: str | None) -> Contract | None:
    """Rewrite MiMo's ``body`` in place for the bridge; the contract its answer must meet (None:
    nothing to check). Requests the bridge cannot serve are refused here, before sending."""
    mode = mode or "bridge"
    if mode not in MODES:
        raise errors.bad_request(f"structured_outputs={mode!r}: use one of {', '.join(MODES)}.")
    if mode == "native":
        return None
    contract: dict[str, Any] = {"repairs": 0 if mode == "validate" else 1, "hand_back": mode == "bridge"}
    instructions = []
    schema = _json_schema(body.get("response_format"))
    if schema is not None:
        contract["schema"], contract["schema_name"] = schema
        body["response_format"] = {"type": "json_object"}
        instructions.append(JSON_INSTRUCTION.format(schema=json.dumps(schema[0], ensure_ascii=False)))
    tools = body.get("tools")
    contract["offered"] = tuple(_names(tools))
    if tools:
        contract["strict_tools"] = {t["function"]["name"]: t["function"].get("parameters") or {}
                                    for t in tools if _is_function(t) and t["function"].get("strict")}
    choice = body.pop("tool_choice", None)
    if choice is None or choice == "auto":
        if choice is not None:
            body["tool_choice"] = choice  # as sent: MiMo honours "auto"
    elif choice == "none":
        body.pop("tools", None)
    elif choice == "required":
        _require_tools(tools, "required")
        contract["tool"] = "*"
        instructions.append(ANY_TOOL_INSTRUCTION)
    else:
        name = _forced_name(choice)
        _require_tools(tools, name)
        chosen = [t for t in tools if _is_function(t) and t["function"]["name"] == name]
        if not chosen:
            raise errors.bad_request(f"tool_choice names the function `{name}`, which is not among the tools "
                                     f"({', '.join(_names(tools)) or 'none'}).")
        body["tools"] = chosen
        contract["offered"] = (name,)
        contract["tool"] = name
        instructions.append(TOOL_INSTRUCTION.format(name=name))
    if not instructions and not contract.get("strict_tools"):
        return None
    if instructions:
        _add_system_message(body, "\n\n".join(instructions))
    return Contract(**contract)


def _json_schema(response_format: object) -> tuple[dict, str] | None:
    if not isinstance(response_format, Mapping) or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, Mapping) else None
    if not isinstance(schema, Mapping):
        raise errors.bad_request("response_format json_schema needs json_schema.schema, a JSON Schema object.")
    schema = dict(schema)
    jsonschema = _jsonschema()
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise errors.bad_request(f"response_format's schema is not a valid JSON Schema: {exc.message}.") from None
    return schema, str(spec.get("name") or "response")


def _is_function(tool: object) -> bool:
    return isinstance(tool, Mapping) and tool.get("type") == "function" and isinstance(tool.get("function"), Mapping)


def _names(tools: object) -> list[str]:
    return [t["function"]["name"] for t in tools or () if _is_function(t)]


def _forced_name(choice: object) -> str:
    function = choice.get("function") if isinstance(choice, Mapping) else None
    name = function.get("name") if isinstance(function, Mapping) else None
    if not isinstance(name, str) or not name:
        raise errors.bad_request(f"tool_choice={choice!r} is not understood: use \"auto\", \"none\", \"required\" or "
                                 "{\"type\": \"function\", \"function\": {\"name\": ...}}.")
    return name


def _require_tools(tools: object, wanted: str) -> None:
    if not _names(tools):
        raise errors.bad_request(f"tool_choice={wanted!r} needs tools: the request has no function tools.")


def _add_system_message(body: dict, text: str) -> None:
    """After the caller's own leading system/developer messages, so instructions stay together."""
    messages = body["messages"]
    at = next((i for i, m in enumerate(messages) if m.get("role") not in ("system", "developer")), len(messages))
    messages.insert(at, {"role": "system", "content": text})


def handed_back(problem: Problem, model: str, streamed: bool = False) -> str:
    """The warning for an answer returned although it broke its contract."""
    where = "a stream, which can only say so here" if streamed else "an answer flagged in " + \
        f"message.provider_specific_fields[{PROBLEM_FIELD!r}] (through the proxy, the header {PROBLEM_HEADER[13:]})"
    return (f"MiMo's answer ({model}) breaks what the caller required, after the one repair allowed: "
            f"{problem.text}. Handed back as MiMo gave it, in {where}; structured_outputs='strict' raises instead.")


def flag(response: Any, problem: Problem) -> None:
    """Mark an answer handed back although it broke its contract, where a caller and a proxy client
    can see it."""
    message = response.choices[0].message
    message.provider_specific_fields = {**(message.provider_specific_fields or {}), PROBLEM_FIELD: problem.text}
    headers = response._hidden_params.setdefault("additional_headers", {})
    headers[PROBLEM_HEADER] = problem.text.encode("ascii", "backslashreplace").decode()[:300]


def answer_of(message: Any) -> tuple[str | None, list[tuple[str, str]]]:
    """An answer's text and its tool calls as (name, arguments), from a LiteLLM message."""
    calls = [(c.function.name, c.function.arguments or "") for c in getattr(message, "tool_calls", None) or []]
    return getattr(message, "content", None), calls


def repair_body(body: dict, content: str | None, tool_calls: list[tuple[str, str]], problem: Problem) -> dict:
    """The request that asks MiMo to answer again: the same conversation, MiMo's unusable answer
    (its tool calls quoted as text: a tool call must be followed by its result) and what is wrong."""
    answer = content or ""
    if tool_calls:
        answer += "".join(f"\n[called {name} with {arguments}]" for name, arguments in tool_calls)
    messages = [*body["messages"], {"role": "assistant", "content": answer.strip()[:_QUOTED]},
                {"role": "user", "content": REPAIR_INSTRUCTION.format(problem=problem.text)}]
    return {**body, "messages": messages}
