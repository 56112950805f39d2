"""The LiteLLM ``CustomLLM`` for MiMo: transport only. Translation lives in ``chat.py``."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
import litellm
from litellm.llms.custom_llm import CustomLLM

from . import chat, errors, models

DEFAULT_API_BASE = "https://api.xiaomimimo.com/v1"
API_KEY_ENV = ("XIAOMI_API_KEY", "XIAOMI_MIMO_API_KEY")  # the second is LiteLLM's built-in provider's name
API_BASE_ENV = "XIAOMI_API_BASE"
DEFAULT_TIMEOUT = 600.0


def find_api_key(api_key: str | None = None) -> str | None:
    """The key given, else the first variable of ``API_KEY_ENV`` that is set. A proxy config's
    ``os.environ/NAME`` that LiteLLM has not resolved yet is read here."""
    if isinstance(api_key, str) and api_key.startswith("os.environ/"):
        api_key = os.environ.get(api_key[len("os.environ/"):])
    return api_key or next((os.environ[name] for name in API_KEY_ENV if os.environ.get(name)), None)


def resolve_api_key(api_key: str | None, model: str) -> str:
    key = find_api_key(api_key)
    if not key:
        raise litellm.AuthenticationError(
            message="No MiMo API key: pass api_key=... or set XIAOMI_API_KEY "
            "(XIAOMI_MIMO_API_KEY is read too).",
            llm_provider=errors.PROVIDER,
            model=model,
        )
    return key


def resolve_api_base(api_base: str | None) -> str:
    return (api_base or os.environ.get(API_BASE_ENV) or DEFAULT_API_BASE).rstrip("/")


def _timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(float(timeout) if timeout else DEFAULT_TIMEOUT)


class _Clients:
    """Pooled httpx clients: one per thread for sync calls, one per event loop for async.
    A client per call costs ~20 ms of TLS set-up (docs/litellm-internals.md, "Performance")."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._async: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}

    def sync(self, client: Any = None) -> httpx.Client:
        given = getattr(client, "client", client)  # LiteLLM's HTTPHandler wraps an httpx.Client
        if isinstance(given, httpx.Client):
            return given
        if getattr(self._local, "client", None) is None:
            self._local.client = httpx.Client(timeout=DEFAULT_TIMEOUT)
        return self._local.client

    def async_(self, client: Any = None) -> httpx.AsyncClient:
        given = getattr(client, "client", client)
        if isinstance(given, httpx.AsyncClient):
            return given
        loop = asyncio.get_running_loop()
        pooled = self._async.get(loop)
        if pooled is None:
            # A client holds its loop, so a weak mapping would never let go: drop the clients
            # of loops that have closed (each asyncio.run() makes a new one) when adding one.
            for closed in [other for other in self._async if other.is_closed()]:
                del self._async[closed]
            pooled = self._async[loop] = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
        return pooled


LOGGED_BODY_LIMIT = 256 * 1024
LARGE_STRING = 1 << 20


class JSONBody:
    """A request body as JSON bytes. Strings over 1 MiB (base64 audio) are sent in 1 MiB slices
    instead of inside one ``json.dumps`` string plus one bytes copy: that keeps a transcription's
    peak memory near the audio's own size (benchmarks/run.py measures it). Re-iterable, so a
    retry can send it again."""

    def __init__(self, body: dict) -> None:
        self.large: list[str] = []
        skeleton = json.dumps(self._swap(body))
        self.pieces = [p.encode() for p in skeleton.split(f'"{_PLACEHOLDER}"')] if self.large else [skeleton.encode()]
        self.plain = [_is_plain(string) for string in self.large]

    def _swap(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > LARGE_STRING:
            self.large.append(value)
            return _PLACEHOLDER
        if isinstance(value, dict):
            return {k: self._swap(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._swap(v) for v in value]
        return value

    def encode(self) -> bytes:
        return b"".join(self)

    def __len__(self) -> int:
        return sum(map(len, self.pieces)) + sum(_json_length(s, plain) for s, plain in zip(self.large, self.plain))

    def __iter__(self) -> Iterator[bytes]:
        for piece, string, plain in zip(self.pieces, [*self.large, None], [*self.plain, False]):
            yield piece
            if string is not None:
                yield from _json_slices(string, plain)

    async def aiter(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


_PLACEHOLDER = "__litellm_mimo_large_string_5b1e07__"


# What JSON escapes besides non-ASCII characters; a base64 data URL holds none of them.
_ESCAPED_ASCII = bytes(range(0x20)) + b'"\\'


def _ascii_slices(string: str) -> Iterator[bytes]:
    for start in range(0, len(string), LARGE_STRING):
        yield string[start:start + LARGE_STRING].encode("ascii")


def _is_plain(string: str) -> bool:
    """True if JSON writes ``string`` unchanged (checked slice by slice: bytes.translate is C-fast,
    a regex over 10 MB is not)."""
    return string.isascii() and all(len(piece.translate(None, _ESCAPED_ASCII)) == len(piece)
                                    for piece in _ascii_slices(string))


def _json_slices(string: str, plain: bool) -> Iterator[bytes]:
    yield b'"'
    if plain:
        yield from _ascii_slices(string)
    else:
        for start in range(0, len(string), LARGE_STRING):
            yield json.dumps(string[start:start + LARGE_STRING])[1:-1].encode()
    yield b'"'


def _json_length(string: str, plain: bool) -> int:
    return len(string) + 2 if plain else sum(map(len, _json_slices(string, plain)))


class Call:
    """Everything one chat call needs on the wire, prepared before any I/O."""

    def __init__(self, model: str, messages: list, api_base: str | None, api_key: str | None,
                 optional_params: Mapping[str, Any], headers: Mapping[str, str] | None,
                 timeout: Any, logging_obj: Any, litellm_params: Mapping[str, Any] | None = None) -> None:
        self.model = model
        self.model_info = (litellm_params or {}).get("model_info") or {}
        self.body = chat.build_request(model, messages, optional_params)
        self.api_key = resolve_api_key(api_key, model)
        self.url = resolve_api_base(api_base) + "/chat/completions"
        self.headers = {
            **(headers or {}),
            **(optional_params.get("extra_headers") or {}),
            "Authorization": f"Bearer {self.api_key}",
            "Content-Type": "application/json",
        }
        self.timeout = _timeout(timeout)
        self.logging_obj = logging_obj
        if logging_obj is not None:
            logging_obj.pre_call(
                input=messages,
                api_key="",  # never log the key
                additional_args={"complete_input_dict": self.body, "api_base": self.url},
            )

    def request(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        body = JSONBody(self.body)
        content = body.encode() if not body.large else (body if isinstance(client, httpx.Client) else body.aiter())
        headers = {**self.headers, "Content-Length": str(len(body))} if body.large else self.headers
        return client.build_request("POST", self.url, content=content, headers=headers, timeout=self.timeout)

    def error(self, response: httpx.Response, body: bytes) -> Exception:
        return errors.from_response(
            response.status_code, body.decode("utf-8", "replace"), model=self.model,
            api_key=self.api_key, headers=response.headers,
            unknown_model_hint=models.unknown_model_hint(self.body["model"]),
        )

    def parse(self, response: httpx.Response, body: bytes, model_response: Any) -> Any:
        if response.status_code >= 400:
            raise self.error(response, body)
        if self.logging_obj is not None:
            # A TTS answer is megabytes of base64: LiteLLM's log keeps the parsed response, and
            # keeping the raw text too would hold one more copy of the audio per call.
            original = body.decode("utf-8", "replace") if len(body) <= LOGGED_BODY_LIMIT else \
                f"<{len(body):,} bytes from MiMo, not copied into the log>"
            self.logging_obj.post_call(input=self.body.get("messages"), api_key="", original_response=original)
        text = body.decode("utf-8", "replace")
        del body  # the only reference (see _read): json.loads(bytes) would hold bytes + text + parsed at once
        try:
            data = json.loads(text)
        except ValueError:
            raise errors.malformed_upstream(
                f"MiMo answered with a body that is not JSON: {text[:200]!r}", model=self.model
            ) from None
        del text
        response = chat.parse_response(data, model_response, model=self.model)
        cost = models.audio_cost(self.body["model"], data.get("usage"), self.model_info)
        if cost is not None:  # LiteLLM would price input_cost_per_second by response time, not audio
            response._hidden_params["response_cost"] = cost
        return response

    def transport_error(self, exc: httpx.HTTPError) -> Exception:
        return errors.transport_error(exc, model=self.model, timeout=self.timeout.read)


class MiMoProvider(CustomLLM):
    """Registered in ``litellm.custom_provider_map`` as the provider ``xiaomi``."""

    def __init__(self) -> None:
        super().__init__()
        self.clients = _Clients()

    def completion(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                   encoding, api_key, logging_obj, optional_params, acompletion=None, litellm_params=None,
                   logger_fn=None, headers={}, timeout=None, client=None):
        call = Call(model, messages, api_base, api_key, optional_params, headers, timeout, logging_obj,
                    litellm_params)
        http = self.clients.sync(client)
        try:
            response = http.send(call.request(http), stream=True)
            return call.parse(response, _read(response), model_response)
        except httpx.HTTPError as exc:
            raise call.transport_error(exc) from None

    async def acompletion(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                          encoding, api_key, logging_obj, optional_params, acompletion=None, litellm_params=None,
                          logger_fn=None, headers={}, timeout=None, client=None):
        call = Call(model, messages, api_base, api_key, optional_params, headers, timeout, logging_obj,
                    litellm_params)
        http = self.clients.async_(client)
        try:
            response = await http.send(call.request(http), stream=True)
            return call.parse(response, await _aread(response), model_response)
        except httpx.HTTPError as exc:
            raise call.transport_error(exc) from None

    def streaming(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                  encoding, api_key, logging_obj, optional_params, acompletion=None, litellm_params=None,
                  logger_fn=None, headers={}, timeout=None, client=None) -> Iterator:
        # Not a generator itself: the request goes out (and an HTTP error is raised) when
        # litellm.completion(stream=True) is called, as with OpenAI's own client.
        call = Call(model, messages, api_base, api_key, optional_params, headers, timeout, logging_obj,
                    litellm_params)
        http = self.clients.sync(client)
        try:
            response = http.send(call.request(http), stream=True)
            if response.status_code >= 400:
                try:
                    raise call.error(response, response.read())
                finally:
                    response.close()
        except httpx.HTTPError as exc:
            raise call.transport_error(exc) from None
        return _sync_chunks(call, response)

    async def astreaming(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                         encoding, api_key, logging_obj, optional_params, acompletion=None, litellm_params=None,
                         logger_fn=None, headers={}, timeout=None, client=None) -> AsyncIterator:
        # LiteLLM wraps whatever this returns without awaiting it, so it must be an async
        # generator: the request goes out on the first iteration.
        call = Call(model, messages, api_base, api_key, optional_params, headers, timeout, logging_obj,
                    litellm_params)
        http = self.clients.async_(client)
        try:
            response = await http.send(call.request(http), stream=True)
        except httpx.HTTPError as exc:
            raise call.transport_error(exc) from None
        try:
            if response.status_code >= 400:
                raise call.error(response, await response.aread())
            translator = chat.StreamTranslator(model=model, api_key=call.api_key)
            try:
                async for line in response.aiter_lines():
                    for chunk in translator.feed_line(line):
                        yield chunk
            except httpx.HTTPError as exc:
                raise call.transport_error(exc) from None
            for chunk in translator.close():
                yield chunk
        finally:
            await response.aclose()


# The body is read without being cached on the response, and handed straight to Call.parse,
# which drops it once parsed: httpx keeps a response in a reference cycle until the next full GC,
# and for TTS the body is megabytes of base64.
def _read(response: httpx.Response) -> bytes:
    try:
        return b"".join(response.iter_bytes())
    finally:
        response.close()
        _break_cycle(response)


async def _aread(response: httpx.Response) -> bytes:
    try:
        return b"".join([chunk async for chunk in response.aiter_bytes()])
    finally:
        await response.aclose()
        _break_cycle(response)


def _break_cycle(response: httpx.Response) -> None:
    # httpx links a response and its stream both ways (Response <-> BoundSyncStream): left alone,
    # the response, its request and the request body (a transcription's data URL) wait for the
    # next full garbage collection. A closed response needs its stream no more.
    response.stream = httpx.ByteStream(b"")


def _sync_chunks(call: Call, response: httpx.Response) -> Iterator:
    translator = chat.StreamTranslator(model=call.model, api_key=call.api_key)
    try:
        try:
            for line in response.iter_lines():
                yield from translator.feed_line(line)
        except httpx.HTTPError as exc:
            raise call.transport_error(exc) from None
        yield from translator.close()
    finally:
        response.close()


handler = MiMoProvider()
