"""One server-sent-events decoder for MiMo streams, fed line by line (sync and async alike).

What it handles (docs/mimo-api.md, Streaming): ``data:`` with or without a space after the colon,
comment lines such as the ``: PROCESSING`` keep-alive, ``data: [DONE]``, and an
``{"error": ...}`` event inside the stream.
"""

from __future__ import annotations

import json

from . import errors

DONE = "[DONE]"


class SSEDecoder:
    """Collects ``data`` lines into events; an empty line ends an event."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> str | None:
        """Feed one line (without its newline); return a finished event's data, if any."""
        if not line:
            return self.flush()
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        if field == "data":
            self._data.append(value[1:] if value.startswith(" ") else value)
        return None

    def flush(self) -> str | None:
        if not self._data:
            return None
        data, self._data = "\n".join(self._data), []
        return data


def parse_event(data: str, *, model: str, api_key: str | None) -> dict:
    """One event's JSON; raises the mapped exception for an in-stream error."""
    try:
        event = json.loads(data)
    except ValueError:
        raise errors.malformed_upstream(f"MiMo sent a stream event that is not JSON: {data[:200]!r}", model=model) from None
    if not isinstance(event, dict):
        raise errors.malformed_upstream(f"MiMo sent a stream event that is not a JSON object: {data[:200]!r}", model=model)
    if isinstance(event.get("error"), dict):
        raise errors.from_stream_event(event["error"], model=model, api_key=api_key)
    return event
