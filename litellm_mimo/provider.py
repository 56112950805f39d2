"""The LiteLLM ``CustomLLM`` for MiMo: transport only. Translation lives in ``chat.py``, the
bodies' byte handling in ``bodies.py``.

Four entry points (sync, async, and their streams) share one prepared ``Call`` and one send step
each way, which retries transient failures when the caller asked for ``max_retries``; the two
stream loops are mirror images, as openai-python's ``Stream`` and ``AsyncStream`` are.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
from litellm.llms.custom_llm import CustomLLM

from . import bodies, chat, cost, credentials, errors, models, preflight, replay, retries, settings, structured
from .log import logger


DEFAULT_TIMEOUT = 600.0


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
# The key goes in Authorization, from api_key only: a caller's own auth header (through the proxy,
# `extra_headers` in a request body) must not replace the deployment's key.
_AUTH_HEADERS = ("authorization", "api-key")


class Call:
    """Everything one chat call needs on the wire, prepared before any I/O."""

    def __init__(self, model: str, messages: list, api_base: str | None, api_key: str | None,
                 optional_params: Mapping[str, Any], headers: Mapping[str, str] | None,
                 timeout: Any, logging_obj: Any, litellm_params: Mapping[str, Any] | None = None) -> None:
        self.model = model
        self.model_info = (litellm_params or {}).get("model_info") or {}
        self.body, self.contract = chat.build_request(model, messages, optional_params)
        self.repaired, self.earlier_usage = 0, None  # a structured-output repair's count, and what came before
        # A speech's or transcription's pieces carry their retries as piece_retries (audio_routes.py).
        self.max_retries = settings.max_retries(optional_params.get("piece_retries",
                                                                    optional_params.get("max_retries")))
        self.api_key = credentials.api_key(api_key)
        self.url = credentials.api_base(api_base, optional_params.get("region"), self.api_key) + "/chat/completions"
        given = {**(headers or {}), **(optional_params.get("extra_headers") or {})}
        self.headers = {**{k: v for k, v in given.items() if k.lower() not in _AUTH_HEADERS},
                        "Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}
        self.timeout = _timeout(timeout)
        self.logging_obj = logging_obj
        self.logged_as = optional_params.get("logged_as")
        if logging_obj is not None:
            if self.logged_as:  # a piece of a speech or transcription: logged as that, as LiteLLM's own are
                logging_obj.call_type = logging_obj.model_call_details["call_type"] = self.logged_as
            logging_obj.pre_call(
                input=messages,
                api_key="",  # never log the key
                additional_args={"complete_input_dict": self.body, "api_base": self.url},
            )

    def request(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        body = bodies.JSONBody(self.body)
        content = body.encode() if not body.large else (body if isinstance(client, httpx.Client) else body.aiter())
        headers = {**self.headers, "Content-Length": str(len(body))} if body.large else self.headers
        return client.build_request("POST", self.url, content=content, headers=headers, timeout=self.timeout)

    def wait_before_retry(self, attempt: int, failure: httpx.HTTPError | tuple[httpx.Response, bytes]) -> float:
        """Seconds to wait before trying again after a failed attempt; the failure raised as its
        LiteLLM exception when it would fail again or no retry is left."""
        if isinstance(failure, httpx.HTTPError):
            if attempt < self.max_retries:
                return retries.delay(attempt)
            raise self.transport_error(failure) from None
        response, body = failure
        if attempt < self.max_retries and retries.transient(response.status_code):
            return retries.delay(attempt, response.headers)
        raise self.error(response, body)

    def error(self, response: httpx.Response, body: bytes) -> Exception:
        return errors.from_response(
            response.status_code, body.decode("utf-8", "replace"), model=self.model,
            api_key=self.api_key, headers=response.headers,
            unknown_model_hint=preflight.unknown_model_hint(self.body["model"]),
        )

    def parse(self, body: bytes, model_response: Any) -> Any:
        if self.logging_obj is not None:
            # A TTS answer is megabytes of base64: LiteLLM's log keeps the parsed response, and
            # keeping the raw text too would hold one more copy of the audio per call.
            original = body.decode("utf-8", "replace") if len(body) <= LOGGED_BODY_LIMIT else \
                f"<{len(body):,} bytes from MiMo, not copied into the log>"
            self.logging_obj.post_call(input=self.body.get("messages"), api_key="", original_response=original)
        text = body.decode("utf-8", "replace")
        del body  # the only reference (bodies.read): json.loads(bytes) would hold bytes + text + parsed at once
        try:
            data = json.loads(text)
        except ValueError:
            raise errors.malformed_upstream(
                f"MiMo answered with a body that is not JSON: {text[:200]!r}", model=self.model
            ) from None
        del text
        response = chat.parse_response(data, model_response, model=self.model)
        if self.earlier_usage is not None:
            response.usage = chat.add_usage(self.earlier_usage, response.usage)
        # LiteLLM would price input_cost_per_second by response time, not audio; and a piece of a
        # speech or transcription, logged as that, by characters or duration instead of MiMo's tokens.
        price = cost.piece_cost if self.logged_as else cost.audio_cost
        priced = price(self.body["model"], data.get("usage"), self.model_info)
        if priced is not None or self.logged_as:
            response._hidden_params["response_cost"] = priced
        return response

    def repair(self, response: Any) -> Call | None:
        """The request asking MiMo again when its answer breaks the structured-output contract
        (``structured.py``); None when it meets it. Raises once no repair is left."""
        choice = response.choices[0]
        if self.contract is None or not self.contract.applies_to(choice.finish_reason):
            return None
        content, calls = structured.answer_of(choice.message)
        problem = self.contract.problem(content, calls)
        if problem is None:
            return None
        if self.repaired >= self.contract.repairs:
            if not self.contract.hand_back:
                raise self.contract.failure(problem, self.model)
            structured.flag(response, problem)
            logger.warning(structured.handed_back(problem, self.model))
            return None
        again = copy.copy(self)
        again.body = structured.repair_body(self.body, content, calls, problem)
        again.repaired, again.earlier_usage = self.repaired + 1, response.usage
        return again

    def translator(self) -> chat.StreamTranslator:
        return chat.StreamTranslator(model=self.model, api_key=self.api_key, contract=self.contract)

    def transport_error(self, exc: httpx.HTTPError) -> Exception:
        return errors.transport_error(exc, model=self.model, timeout=self.timeout.read)


class Replay:
    """MiMo's replay rule for one call (``replay.py``): the reasoning looked up for the turns that
    came back without it, before anything is sent; the reasoning served, remembered after."""

    def __init__(self, model: str, messages: list, optional_params: Mapping[str, Any],
                 litellm_params: Mapping[str, Any] | None) -> None:
        self.mode = replay.mode_of(optional_params.get("reasoning_replay"))
        self.identity = replay.identity(litellm_params)
        self.store = replay.store() if self.mode != "off" else None
        known = models.lookup(model)
        reasoning_model = known.mode == "chat" and (known.reasoning or not known.catalogued)
        applies = self.store is not None and replay.thinking_on(reasoning_model, optional_params)
        self.keys = replay.missing(self.identity, messages) if applies else {}

    def lookup(self) -> dict[int, str | None]:
        try:
            return {i: self.store.get(key) for i, key in self.keys.items()}
        except Exception:  # a store that cannot answer (Redis down) knows nothing
            logger.warning("litellm-mimo could not read stored reasoning", exc_info=True)
            return {}

    async def alookup(self) -> dict[int, str | None]:
        """``lookup``'s mirror image."""
        try:
            return {i: await self.store.aget(key) for i, key in self.keys.items()}
        except Exception:
            logger.warning("litellm-mimo could not read stored reasoning", exc_info=True)
            return {}

    def apply(self, messages: list, optional_params: Mapping[str, Any],
              found: dict[int, str | None]) -> tuple[list, Mapping[str, Any]]:
        """The history with the known reasoning re-attached, and the call's parameters: with thinking
        disabled when a turn is unknown and the mode is "store"."""
        messages = replay.reattach(messages, found)
        unknown = [i for i in self.keys if not found.get(i)]
        if unknown and self.mode == "store":
            replay.warn_unknown(len(unknown), replay.asked_for(optional_params))
            optional_params = replay.without_thinking(optional_params)
        return messages, optional_params

    def remember(self, message: Any) -> None:
        found = replay.served(message) if self.store is not None else None
        if found:
            try:
                self.store.put(replay.turn_key(self.identity, found[0]), found[1])
            except Exception:
                logger.warning("litellm-mimo could not store reasoning", exc_info=True)

    async def aremember(self, message: Any) -> None:
        """``remember``'s mirror image."""
        found = replay.served(message) if self.store is not None else None
        if found:
            try:
                await self.store.aput(replay.turn_key(self.identity, found[0]), found[1])
            except Exception:
                logger.warning("litellm-mimo could not store reasoning", exc_info=True)


# --- sending, the same each way --------------------------------------------------------------


def _send(http: httpx.Client, call: Call) -> httpx.Response:
    """The open response to ``call``, after the retries ``call.max_retries`` allows; an error
    answer is raised as its LiteLLM exception."""
    for attempt in itertools.count():
        try:
            response = http.send(call.request(http), stream=True)
            if response.status_code < 400:
                return response
            failure = (response, bodies.read(response))
        except httpx.HTTPError as exc:
            failure = exc
        time.sleep(call.wait_before_retry(attempt, failure))


async def _asend(http: httpx.AsyncClient, call: Call) -> httpx.Response:
    """``_send``'s mirror image."""
    for attempt in itertools.count():
        try:
            response = await http.send(call.request(http), stream=True)
            if response.status_code < 400:
                return response
            failure = (response, await bodies.aread(response))
        except httpx.HTTPError as exc:
            failure = exc
        await asyncio.sleep(call.wait_before_retry(attempt, failure))


def _chunks(call: Call, response: httpx.Response, replayed: Replay) -> Iterator:
    """Stream chunks from an open response; the response is closed however the loop ends."""
    translator = call.translator()
    try:
        try:
            for line in response.iter_lines():
                yield from translator.feed_line(line)
        except httpx.HTTPError as exc:
            raise call.transport_error(exc) from None
        yield from translator.close()
        replayed.remember(translator.served())
    except Exception as exc:  # the proxy's error event takes its "type" from the exception
        raise errors.with_openai_type(exc)
    finally:
        response.close()


async def _achunks(call: Call, response: httpx.Response, replayed: Replay) -> AsyncIterator:
    """``_chunks``'s mirror image."""
    translator = call.translator()
    try:
        try:
            async for line in response.aiter_lines():
                for chunk in translator.feed_line(line):
                    yield chunk
        except httpx.HTTPError as exc:
            raise call.transport_error(exc) from None
        for chunk in translator.close():
            yield chunk
        await replayed.aremember(translator.served())
    except Exception as exc:
        raise errors.with_openai_type(exc)
    finally:
        await response.aclose()


class MiMoProvider(CustomLLM):
    """Registered in ``litellm.custom_provider_map`` as the provider ``xiaomi``."""

    def __init__(self) -> None:
        super().__init__()
        self.clients = _Clients()

    def completion(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                   encoding, api_key, logging_obj, optional_params, acompletion=None, litellm_params=None,
                   logger_fn=None, headers={}, timeout=None, client=None):
        with errors.stamping(model):
            replayed = Replay(model, messages, optional_params, litellm_params)
            messages, optional_params = replayed.apply(messages, optional_params, replayed.lookup())
            call = Call(model, messages, api_base, api_key, optional_params, headers, timeout, logging_obj,
                        litellm_params)
        http = self.clients.sync(client)
        response = call.parse(bodies.read(_send(http, call)), model_response)
        while (call := call.repair(response)) is not None:
            response = call.parse(bodies.read(_send(http, call)), model_response)
        replayed.remember(response.choices[0].message)
        return response

    async def acompletion(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                          encoding, api_key, logging_obj, optional_params, acompletion=None, litellm_params=None,
                          logger_fn=None, headers={}, timeout=None, client=None):
        with errors.stamping(model):
            replayed = Replay(model, messages, optional_params, litellm_params)
            messages, optional_params = replayed.apply(messages, optional_params, await replayed.alookup())
            call = Call(model, messages, api_base, api_key, optional_params, headers, timeout, logging_obj,
                        litellm_params)
        http = self.clients.async_(client)
        response = call.parse(await bodies.aread(await _asend(http, call)), model_response)
        while (call := call.repair(response)) is not None:
            response = call.parse(await bodies.aread(await _asend(http, call)), model_response)
        await replayed.aremember(response.choices[0].message)
        return response

    def streaming(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                  encoding, api_key, logging_obj, optional_params, acompletion=None, litellm_params=None,
                  logger_fn=None, headers={}, timeout=None, client=None) -> Iterator:
        # Not a generator itself: the request goes out (and an HTTP error is raised) when
        # litellm.completion(stream=True) is called, as with OpenAI's own client.
        with errors.stamping(model):
            replayed = Replay(model, messages, optional_params, litellm_params)
            messages, optional_params = replayed.apply(messages, optional_params, replayed.lookup())
            call = Call(model, messages, api_base, api_key, optional_params, headers, timeout, logging_obj,
                        litellm_params)
        return _chunks(call, _send(self.clients.sync(client), call), replayed)

    async def astreaming(self, model, messages, api_base, custom_prompt_dict, model_response, print_verbose,
                         encoding, api_key, logging_obj, optional_params, acompletion=None, litellm_params=None,
                         logger_fn=None, headers={}, timeout=None, client=None) -> AsyncIterator:
        # LiteLLM wraps whatever this returns without awaiting it (docs/litellm-internals.md,
        # "Custom providers"), so it is an async generator: the request goes out on the first step.
        with errors.stamping(model):
            replayed = Replay(model, messages, optional_params, litellm_params)
            messages, optional_params = replayed.apply(messages, optional_params, await replayed.alookup())
            call = Call(model, messages, api_base, api_key, optional_params, headers, timeout, logging_obj,
                        litellm_params)
        chunks = _achunks(call, await _asend(self.clients.async_(client), call), replayed)
        try:
            async for chunk in chunks:
                yield chunk
        finally:  # closing this generator (the caller's aclose()) does not close the one it iterates
            await chunks.aclose()

    def embedding(self, model, input, model_response, print_verbose, logging_obj, optional_params, api_key=None,
                  api_base=None, timeout=None, litellm_params=None):
        raise errors.bad_request(f"MiMo has no embeddings: {model} cannot embed text (MiMo serves chat, speech and "
                                 "transcription only).", model=model)

    async def aembedding(self, model, input, model_response, print_verbose, logging_obj, optional_params,
                         api_key=None, api_base=None, timeout=None, litellm_params=None):
        self.embedding(model, input, model_response, print_verbose, logging_obj, optional_params)


handler = MiMoProvider()
