"""Bounded work per request: the most one call may ask of MiMo and of this process.

Long input is split into pieces (speech at ~2,500 characters, transcription at MiMo's 10 MB data URL, about 7.5 MB of audio), so
without a bound one request could fan out into thousands of MiMo requests and gigabytes of audio
in one proxy. Defaults, each settable per call, per proxy deployment (``litellm_params``) and by
environment variable:

- speech: ``max_speech_chars`` / ``XIAOMI_MAX_SPEECH_CHARS``, 100,000 characters of ``input``
  (about 40 pieces, two hours of audio);
- transcription: ``max_transcription_mb`` / ``XIAOMI_MAX_TRANSCRIPTION_MB``, 500 MB of audio,
  checked from the file's size before it is read where the file allows it.

Inside LiteLLM's proxy, ``BodyLimit`` refuses a request body larger than the transcription limit
(plus 1 MiB for the form's other fields) before it is parsed: LiteLLM's own
``max_request_size_mb`` is enforced only with an enterprise licence (docs/litellm-internals.md,
"Proxy").
"""

from __future__ import annotations

import json
import os

from . import errors

SPEECH_CHARS = ("max_speech_chars", "XIAOMI_MAX_SPEECH_CHARS", 100_000)
TRANSCRIPTION_MB = ("max_transcription_mb", "XIAOMI_MAX_TRANSCRIPTION_MB", 500)
# How a long speech or transcription runs (pieces.py): pieces sent to MiMo at once (1 = one after
# another), and retries of one piece on a transient failure before any of its bytes go out.
CONCURRENCY = ("audio_concurrency", "XIAOMI_AUDIO_CONCURRENCY", 4)
PIECE_RETRIES = ("piece_retries", "XIAOMI_AUDIO_PIECE_RETRIES", 2)
NAMES = tuple(setting[0] for setting in (SPEECH_CHARS, TRANSCRIPTION_MB, CONCURRENCY, PIECE_RETRIES))
MB = 1_000_000
FORM_MARGIN = 1 << 20


def _in_force(setting: tuple[str, str, float], given: object) -> tuple[str, object]:
    """Where a setting's value comes from, and the value: the call's (or deployment's), else the
    environment's, else the default."""
    name, variable, default = setting
    return (name, given) if given is not None else (variable, os.environ.get(variable, default))


def limit(setting: tuple[str, str, float], given: object, model: str) -> float:
    """The limit in force (``_in_force``). Anything but a positive number is refused: 0 does not
    mean "unlimited"."""
    default = setting[2]
    source, value = _in_force(setting, given)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not number > 0 or isinstance(value, bool):
        raise errors.bad_request(f"{source}={value!r} is not a limit: give a positive number "
                                 f"(the default is {default:,}).", model=model)
    return number


def count(setting: tuple[str, str, int], given: object, model: str, least: int) -> int:
    """A whole-number setting in force (``_in_force``), at least ``least``."""
    default = setting[2]
    source, value = _in_force(setting, given)
    try:
        number = int(str(value))
    except ValueError:
        number = least - 1
    if number < least or isinstance(value, bool):
        raise errors.bad_request(f"{source}={value!r}: give a whole number of at least {least} "
                                 f"(the default is {default}).", model=model)
    return number


def check_speech(text: str, given: object, model: str) -> None:
    most = limit(SPEECH_CHARS, given, model)
    if len(text) > most:
        raise errors.bad_request(
            f"input is {len(text):,} characters; speech takes at most {most:,.0f} per request (each ~2,500 "
            f"characters is one MiMo request). Split the text, or raise the limit: max_speech_chars=... per call "
            f"or deployment, or XIAOMI_MAX_SPEECH_CHARS.", model=model)


def check_transcription(size: int, given: object, model: str) -> None:
    most = limit(TRANSCRIPTION_MB, given, model)
    if size > most * MB:
        raise errors.bad_request(
            f"the audio is {size / MB:,.1f} MB; transcription takes at most {most:,g} MB per request (each 7.5 MB "
            f"is one MiMo request). Split the file, or raise the limit: max_transcription_mb=... per call or "
            f"deployment, or XIAOMI_MAX_TRANSCRIPTION_MB.", model=model)


def body_limit() -> int:
    """The largest request body the proxy reads: the transcription limit and its form's margin."""
    return int(limit(TRANSCRIPTION_MB, None, "") * MB) + FORM_MARGIN


class BodyLimit:
    """ASGI middleware: a request body over ``body_limit()`` is answered 413, in OpenAI's error
    shape, before anything reads it. A body without a Content-Length is read up to the limit first."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("type") != "http":
            return await self.app(scope, receive, send)
        most = body_limit()
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if length.isdigit() and int(length) > most:
                return await _too_large(send, int(length), most)
            return await self.app(scope, receive, send)
        messages, size = [], 0
        while True:  # chunked: no size announced, so read it (as the route would) up to the limit
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > most:
                return await _too_large(send, size, most)
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        return await self.app(scope, replay, send)


async def _too_large(send, size: int, most: int) -> None:
    body = json.dumps({"error": {
        "message": f"The request body is {size / MB:,.1f} MB or more; this proxy reads at most {most / MB:,.1f} MB "
                   f"(the transcription limit, XIAOMI_MAX_TRANSCRIPTION_MB, plus 1 MiB).",
        "type": "invalid_request_error", "param": None, "code": "413"}}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
