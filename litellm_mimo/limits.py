"""Bounded work per request: the most one call may ask of MiMo and of this process.

Long input is split into pieces (speech at ``SPEECH_PIECE_CHARS``, transcription at MiMo's 10 MB
data URL, ``audiofile.MAX_DATA_URL_CHARS``), so without a bound one request could fan out into
thousands of MiMo requests and gigabytes of audio in one proxy. Defaults, each settable per call, per proxy deployment (``litellm_params``) and by
environment variable (``settings.py``):

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

from . import audiofile, errors, settings

# Xiaomi advises splitting texts longer than this (docs/mimo-api.md, "Text-to-speech").
SPEECH_PIECE_CHARS = 2500

MB = 1_000_000
FORM_MARGIN = 1 << 20


def check_speech(text: str, given: object) -> None:
    most = settings.limit(settings.SPEECH_CHARS, given)
    if len(text) > most:
        raise errors.bad_request(
            f"input is {len(text):,} characters; speech takes at most {most:,.0f} per request (each "
            f"{SPEECH_PIECE_CHARS:,} characters is one MiMo request). Split the text, or raise the limit: "
            f"max_speech_chars=... per call or deployment, or XIAOMI_MAX_SPEECH_CHARS.")


def check_transcription(size: int, given: object) -> None:
    most = settings.limit(settings.TRANSCRIPTION_MB, given)
    if size > most * MB:
        piece = audiofile.max_bytes_in_data_url("wav") / MB
        raise errors.bad_request(
            f"the audio is {size / MB:,.1f} MB; transcription takes at most {most:,g} MB per request (each "
            f"{piece:.1f} MB is one MiMo request). Split the file, or raise the limit: max_transcription_mb=... "
            f"per call or deployment, or XIAOMI_MAX_TRANSCRIPTION_MB.")


def body_limit() -> int:
    """The largest request body the proxy reads: the transcription limit and its form's margin."""
    return int(settings.limit(settings.TRANSCRIPTION_MB) * MB) + FORM_MARGIN


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
