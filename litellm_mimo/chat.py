"""Pure translation between LiteLLM's chat call and MiMo's ``/chat/completions`` body.

No I/O here: ``provider.py`` sends what ``build_request`` returns and feeds what comes back to
``parse_response`` or a ``StreamTranslator``. Sync and async share all of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import litellm
from litellm.types.utils import ModelResponse, ModelResponseStream, Usage
from pydantic import ValidationError

from . import errors, models, preflight, settings, sse, structured
from .log import logger


REASONING_EFFORTS = ("none", "low", "medium", "high")
CALL_FIELDS = {"model", "messages", "stream"}


def build_request(model: str, messages: list,
                  optional_params: Mapping[str, Any]) -> tuple[dict, structured.Contract | None]:
    """The JSON body MiMo receives, and the contract its answer must meet. Every caller field is
    kept; only these change:

    - ``reasoning_effort="none"`` becomes ``thinking: {"type": "disabled"}`` (some MiMo
      versions refuse ``none``, docs/mimo-api.md); an explicit ``thinking`` wins over it;
    - ``max_tokens`` is sent as ``max_completion_tokens``, MiMo's documented name (LiteLLM
      folds ``max_completion_tokens`` into ``max_tokens`` for OpenAI-like providers);
    - ``extra_body`` is merged into the top level, as the OpenAI SDK does;
    - ``web_search_options`` (OpenAI's web search) becomes MiMo's ``web_search`` tool;
    - an ``image_url`` part given as a plain string is sent as ``{"url": ...}``;
    - the model id is sent in lowercase, unless ``upstream_model`` (per call or per proxy
      deployment) overrides it; a retired model is refused, or sent as its successor on request
      (``preflight.upstream_id``);
    - ``response_format`` ``json_schema`` and a ``tool_choice`` other than ``"auto"`` are bridged
      (``structured.prepare``), unless ``structured_outputs="native"``.

    A request that breaks a rule MiMo's docs state (``preflight.check_request``) is refused here,
    before anything is sent.
    """
    params = {k: v for k, v in optional_params.items() if k not in settings.PACKAGE_OPTIONS}
    extra_body = params.pop("extra_body", None) or {}
    overriding = sorted(CALL_FIELDS & set(extra_body))
    if overriding:  # through the proxy, a model in extra_body would bypass the deployment's
        raise errors.bad_request(f"extra_body sets {', '.join(overriding)}, which the call itself sets: pass "
                                 f"{', '.join(f'{name}=' for name in overriding)} instead.")
    if params.get("web_search_options") is not None:
        params["tools"] = [*(params.get("tools") or []), web_search_tool(params.pop("web_search_options"))]
    upstream = optional_params.get("upstream_model") or preflight.upstream_id(model)
    _apply_reasoning_effort(params)
    if "max_tokens" in params and "max_completion_tokens" not in params:
        params["max_completion_tokens"] = params.pop("max_tokens")
    body = {"model": upstream, "messages": [message_to_dict(m) for m in messages], **params, **extra_body}
    problem = preflight.check_request(model, body)
    if problem:
        raise errors.bad_request(problem)
    return body, structured.prepare(body, optional_params.get("structured_outputs"))


def _apply_reasoning_effort(params: dict) -> None:
    effort = params.get("reasoning_effort")
    if effort is None:
        params.pop("reasoning_effort", None)
        return
    if effort not in REASONING_EFFORTS:
        raise errors.bad_request(
            f"reasoning_effort={effort!r} is not supported by MiMo; use one of "
            f"{', '.join(REASONING_EFFORTS)} (or thinking={{'type': 'enabled'|'disabled'}}).")
    thinking = params.get("thinking")
    if thinking is not None:
        thinking_off = isinstance(thinking, Mapping) and thinking.get("type") == "disabled"
        if effort == "none" or thinking_off:
            logger.warning("MiMo: thinking=%r wins over reasoning_effort=%r; not sending the latter", thinking, effort)
            del params["reasoning_effort"]
        return
    if effort == "none":
        del params["reasoning_effort"]
        params["thinking"] = {"type": "disabled"}


# search_context_size -> the number of results MiMo's web_search tool returns (its `limit`, 1-50
# in the reported range); OpenAI leaves the sizes' meaning to the provider.
SEARCH_LIMITS = {"low": 5, "medium": 10, "high": 20}


def web_search_tool(options: Any) -> dict:
    """OpenAI's ``web_search_options`` as MiMo's native ``{"type": "web_search"}`` tool
    (docs/mimo-api.md, "Chat request"): ``search_context_size`` as its result ``limit``;
    ``user_location``'s approximate place as MiMo's flat ``{"type": "approximate", "country",
    "region", "city"}``, every field of the place kept (``timezone`` too, which MiMo's example
    does not show)."""
    if not isinstance(options, Mapping) or set(options) - {"search_context_size", "user_location"}:
        raise errors.bad_request(f"web_search_options={options!r}: MiMo's search takes search_context_size "
                                 f"({', '.join(SEARCH_LIMITS)}) and user_location only.")
    tool: dict = {"type": "web_search"}
    size = options.get("search_context_size")
    if size is not None:
        if size not in SEARCH_LIMITS:
            raise errors.bad_request(f"search_context_size={size!r}: use one of {', '.join(SEARCH_LIMITS)}.")
        tool["limit"] = SEARCH_LIMITS[size]
    location = options.get("user_location")
    if location:
        place = location.get("approximate") if isinstance(location, Mapping) else None
        if not isinstance(place, Mapping) or location.get("type", "approximate") != "approximate" \
                or set(location) - {"type", "approximate"}:
            raise errors.bad_request(f"user_location={location!r}: give {{'type': 'approximate', 'approximate': "
                                     "{'country': ..., 'region': ..., 'city': ..., 'timezone': ...}}.")
        tool["user_location"] = {"type": "approximate", **place}
    return tool


def message_to_dict(message: Any) -> dict:
    """A history message as MiMo wants it. Dicts pass unchanged but for ``image_url`` parts given
    as a plain string, which LiteLLM accepts and MiMo wants as ``{"url": ...}``
    (``reasoning_content`` on an assistant turn must reach MiMo exactly: the replay rule in
    docs/mimo-api.md); LiteLLM ``Message`` objects lose only the ``None`` fields and LiteLLM's
    own bookkeeping."""
    if isinstance(message, Mapping):
        data = dict(message)
    else:
        data = message.model_dump(exclude_none=True) if hasattr(message, "model_dump") else dict(message)
        data.pop("provider_specific_fields", None)
    content = data.get("content")
    if isinstance(content, list) and any(_plain_image_url(part) for part in content):
        data["content"] = [{**part, "image_url": {"url": part["image_url"]}} if _plain_image_url(part) else part
                           for part in content]
    return data


def _plain_image_url(part: object) -> bool:
    return isinstance(part, Mapping) and part.get("type") == "image_url" and isinstance(part.get("image_url"), str)


def _normalise_audio(audio: Any) -> Any:
    # MiMo sends "expires_at": null and "transcript": null; LiteLLM's audio type requires an
    # int and a str, so ModelResponse(**mimo_json) fails on every TTS answer (docs/litellm-internals.md).
    if not isinstance(audio, dict):
        return audio
    return {**audio, "expires_at": audio.get("expires_at") or 0, "transcript": audio.get("transcript") or ""}


def _normalise_choices(choices: list, key: str) -> list:
    out = []
    for choice in choices:
        if isinstance(choice, dict) and isinstance(choice.get(key), dict) and choice[key].get("audio") is not None:
            choice = {**choice, key: {**choice[key], "audio": _normalise_audio(choice[key]["audio"])}}
        out.append(choice)
    return out


def add_usage(earlier: Any, later: Any) -> Usage:
    """Two calls' usage as one (a structured-output repair is billed as both calls)."""
    def count(usage: Any, *path: str) -> int:
        for name in path:
            usage = getattr(usage, name, None)
        return usage or 0

    prompt = count(earlier, "prompt_tokens") + count(later, "prompt_tokens")
    completion = count(earlier, "completion_tokens") + count(later, "completion_tokens")
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion,
                 completion_tokens_details={"reasoning_tokens": count(earlier, "completion_tokens_details",
                                                                      "reasoning_tokens")
                                            + count(later, "completion_tokens_details", "reasoning_tokens")},
                 prompt_tokens_details={"cached_tokens": count(earlier, "prompt_tokens_details", "cached_tokens")
                                        + count(later, "prompt_tokens_details", "cached_tokens")})


def _malformed(what: str, detail: str, model: str) -> litellm.APIError:
    return errors.malformed_upstream(f"MiMo sent a malformed {what}: {detail[:300]}", model=model)


def parse_response(data: Any, model_response: ModelResponse, *, model: str) -> ModelResponse:
    """Fill LiteLLM's ``model_response`` (keeping its ``_hidden_params``: a fresh
    ModelResponse would lose ``custom_llm_provider`` and break cost tracking) from MiMo's JSON."""
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list) or not data["choices"]:
        raise _malformed("response (no choices)", repr(data), model)
    try:
        parsed = ModelResponse(**{**data, "choices": _normalise_choices(data["choices"], "message")})
    except (ValidationError, TypeError, ValueError) as exc:
        raise _malformed("response", str(exc), model) from None
    _keep_mimo_finish_reasons(data["choices"], parsed.choices, "message")
    for field in ("id", "created", "model", "object", "system_fingerprint", "choices"):
        setattr(model_response, field, getattr(parsed, field))
    if data.get("usage") is not None:
        setattr(model_response, "usage", parsed.usage)
    return model_response


def parse_chunk(event: dict, *, model: str) -> ModelResponseStream:
    try:
        chunk = ModelResponseStream(**{**event, "choices": _normalise_choices(event.get("choices") or [], "delta")})
    except (ValidationError, TypeError, ValueError) as exc:
        raise _malformed("stream chunk", str(exc), model) from None
    _keep_mimo_finish_reasons(event.get("choices") or [], chunk.choices, "delta")
    # LiteLLM passes a custom provider's chunks through as they are: without this only the chunks
    # LiteLLM makes itself name the provider, and a stream rebuilt by stream_chunk_builder carries
    # the first chunk's hidden params from LiteLLM 1.110 on (the last one's before), which
    # completion_cost needs to know the provider.
    chunk._hidden_params = {"custom_llm_provider": models.PROVIDER}
    return chunk


def _keep_mimo_finish_reasons(raw_choices: list, choices: list, key: str) -> None:
    """LiteLLM maps finish reasons outside OpenAI's set to "stop" (MiMo's
    ``repetition_truncation`` among them); keep MiMo's own in ``provider_specific_fields``."""
    for raw, choice in zip(raw_choices, choices):
        mimo_reason = raw.get("finish_reason") if isinstance(raw, dict) else None
        if mimo_reason and mimo_reason != choice.finish_reason:
            target = getattr(choice, key)
            target.provider_specific_fields = {**(target.provider_specific_fields or {}), "finish_reason": mimo_reason}


class StreamTranslator:
    """MiMo's SSE lines in, LiteLLM stream chunks out, as they arrive.

    One reordering: MiMo sends its usage chunk (empty ``choices``) *after* the finish chunk,
    and LiteLLM drops everything after the finish chunk and re-counts tokens itself
    (docs/litellm-internals.md, Streaming). So a chunk carrying ``finish_reason`` is held until the
    usage chunk (or the end of the stream) and released right after it.
    """

    def __init__(self, *, model: str, api_key: str | None = None, contract: structured.Contract | None = None) -> None:
        self.model = model
        self.api_key = api_key
        self.contract = contract
        self.done = False
        self._decoder = sse.SSEDecoder()
        self._held: list[ModelResponseStream] = []
        self._finished = False
        # What the answer says so far: its text (for the contract), its reasoning (for the replay),
        # and its tool calls by index, as [id, name, arguments] (for both).
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, list[str]] = {}

    def feed_line(self, line: str) -> list[ModelResponseStream]:
        """Chunks completed by this line. Lines after ``[DONE]`` are ignored: the transport
        still reads them, so the connection goes back to the pool (as openai-python does)."""
        data = None if self.done else self._decoder.feed(line)
        return [] if data is None else self._on_event(data)

    def close(self) -> list[ModelResponseStream]:
        """End of the HTTP body. A stream cut before any finish_reason is an error."""
        out = []
        data = self._decoder.flush()
        if data is not None and not self.done:
            try:
                out = self._on_event(data)
            except litellm.APIError:  # not JSON: the connection was cut in the middle of an event
                if not self._finished:
                    raise self._cut() from None
        if not self.done and not self._finished:
            raise self._cut()
        return out + self._release()

    def _cut(self) -> litellm.APIConnectionError:
        return litellm.APIConnectionError(
            message="MiMo's stream ended before the answer was complete (no finish_reason, no [DONE])",
            llm_provider=errors.PROVIDER,
            model=self.model,
        )

    def _on_event(self, data: str) -> list[ModelResponseStream]:
        if data == sse.DONE:
            self.done = True
            return self._release()
        chunk = parse_chunk(sse.parse_event(data, model=self.model, api_key=self.api_key), model=self.model)
        if not chunk.choices:
            return [chunk, *self._release()]
        self._collect(chunk)
        if any(choice.finish_reason for choice in chunk.choices):
            self._finished = True
            self._held.append(chunk)
            return []
        return [chunk]

    def _collect(self, chunk: ModelResponseStream) -> None:
        delta = chunk.choices[0].delta
        if self.contract is not None:
            self._content.append(delta.content or "")
        if getattr(delta, "reasoning_content", None):
            self._reasoning.append(delta.reasoning_content)
        for call in delta.tool_calls or []:
            parts = self._calls.setdefault(call.index, ["", "", ""])
            parts[0] += call.id or ""
            parts[1] += call.function.name or ""
            parts[2] += call.function.arguments or ""

    def served(self) -> dict:
        """The streamed answer's tool calls and reasoning, as a whole message would carry them."""
        return {"tool_calls": [{"id": i, "type": "function", "function": {"name": n, "arguments": a}}
                               for i, n, a in self._calls.values()], "reasoning_content": "".join(self._reasoning)}

    def _release(self) -> list[ModelResponseStream]:
        """The held finish chunk, once the answer is checked against its contract: a stream that
        breaks it is handed back with a warning, or (``strict``, ``validate``) ends with the error
        instead (no repair: its chunks are already delivered)."""
        held, self._held = self._held, []
        if self.contract is not None and held and self.contract.applies_to(held[-1].choices[0].finish_reason):
            content = "".join(self._content)
            problem = self.contract.problem(content, [(name, args) for _, name, args in self._calls.values()])
            if problem is not None and not self.contract.hand_back:
                raise self.contract.failure(problem, self.model, streamed=True)
            if problem is not None:  # its headers went out with its first chunk: only the log can tell
                logger.warning(structured.handed_back(problem, self.model, streamed=True))
        return held
