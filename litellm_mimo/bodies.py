"""Bodies on the wire: the request body as JSON bytes written in slices, and response bodies read
without httpx keeping a copy. Both exist for memory: a transcription's request and a TTS answer
carry megabytes of base64 (benchmarks/README.md measures what they save)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

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


# A response body is read without being cached on the response, and handed straight to the
# parser, which drops it once parsed: httpx keeps a response in a reference cycle until the next
# full GC, and for TTS the body is megabytes of base64.
def read(response: httpx.Response) -> bytes:
    try:
        return b"".join(response.iter_bytes())
    finally:
        response.close()
        _break_cycle(response)


async def aread(response: httpx.Response) -> bytes:
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


