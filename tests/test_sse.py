"""Streams as bytes arrive on the wire: hand-written SSE fixtures fed in pieces of every size.

Cassettes replay a stream as one block, so chunk boundaries (an event split across reads,
the ``: PROCESSING`` keep-alive, an SSE-framed error, a cut stream) are covered here, through
the real transport code with an httpx ``MockTransport``.
"""

import asyncio
import json
from pathlib import Path

import httpx
import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError

from litellm_mimo import chat, sse

OFFICIAL = (Path(__file__).parent / "fixtures" / "sse" / "official.txt").read_bytes()
MODEL = "xiaomi/mimo-v2.6-pro"
HI = [{"role": "user", "content": "Tips?"}]


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def transport(body: bytes, size: int, seen: list, status: int = 200):
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(status, headers={"content-type": "text/event-stream"},
                              stream=httpx.ByteStream(b"") if not body else _Chunks(pieces(body, size)))
    return httpx.MockTransport(handle)


class _Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self):
        yield from self.chunks

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk


def stream(body: bytes, size: int = 1, **kwargs):
    seen: list = []
    client = httpx.Client(transport=transport(body, size, seen))
    chunks = list(litellm.completion(model=MODEL, messages=HI, stream=True, client=client, api_key="k",
                                     stream_options={"include_usage": True}, **kwargs))
    return chunks, seen


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, len(OFFICIAL)])
def test_official_transcript_in_pieces_of(size):
    chunks, seen = stream(OFFICIAL, size)
    assert seen[0]["stream"] is True
    built = litellm.stream_chunk_builder(chunks)
    assert built.choices[0].message.content == "# Tips"
    assert built.choices[0].message.reasoning_content == "The user is asking"
    assert built.choices[0].finish_reason == "stop"
    # MiMo's numbers, not LiteLLM's re-count: the usage chunk comes after the finish chunk.
    assert (built.usage.prompt_tokens, built.usage.completion_tokens) == (61, 339)
    assert built.usage.completion_tokens_details.reasoning_tokens == 41


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_other_line_endings(newline):
    chunks, _ = stream(OFFICIAL.replace(b"\n", newline), 5)
    assert litellm.stream_chunk_builder(chunks).choices[0].message.content == "# Tips"


def test_keepalive_comment_is_skipped():
    chunks, _ = stream(b": PROCESSING\n\n" + OFFICIAL, 4)
    assert litellm.stream_chunk_builder(chunks).choices[0].message.content == "# Tips"


def test_sse_framed_error_without_space_inside_a_200_stream():
    body = OFFICIAL.split(b"\n\n")[0] + b"\n\n" + b'data:{"error":{"code":"429","message":"Too many requests","type":"limitation"}}\n\n'
    with pytest.raises(MidStreamFallbackError, match="Too many requests") as caught:
        stream(body, 3)
    assert isinstance(caught.value.original_exception, litellm.RateLimitError)


def test_cut_stream_is_an_error_not_a_hang():
    cut = OFFICIAL[: OFFICIAL.index(b'"# Tips"') + 60]  # stops mid-event, no finish, no [DONE]
    with pytest.raises(MidStreamFallbackError) as caught:
        stream(cut, 9)
    assert isinstance(caught.value.original_exception, litellm.APIConnectionError)


def test_stream_without_done_but_finished_is_a_correct_result():
    chunks, _ = stream(OFFICIAL.replace(b"data: [DONE]\n\n", b""), 11)
    built = litellm.stream_chunk_builder(chunks)
    assert built.choices[0].message.content == "# Tips"
    assert built.usage.prompt_tokens == 61


def test_garbage_event_is_a_clean_error():
    with pytest.raises(MidStreamFallbackError, match="MiMo sent a stream event that is not JSON") as caught:
        stream(b"data: {not json\n\n", 2)
    assert isinstance(caught.value.original_exception, litellm.APIError)


def test_async_stream_in_pieces():
    async def run():
        seen: list = []
        client = httpx.AsyncClient(transport=transport(OFFICIAL, 3, seen))
        response = await litellm.acompletion(model=MODEL, messages=HI, stream=True, client=client, api_key="k")
        return [c async for c in response]

    built = litellm.stream_chunk_builder(asyncio.run(run()))
    assert built.choices[0].message.content == "# Tips"
    assert built.choices[0].message.reasoning_content == "The user is asking"


# --- the pure pieces --------------------------------------------------------------------


def test_decoder_joins_multiline_data_and_ignores_other_fields():
    decoder = sse.SSEDecoder()
    out = [decoder.feed(line) for line in ["event: x", "id: 3", "data: a", "data:b", ": comment", ""]]
    assert out[-1] == "a\nb" and out[:-1] == [None] * 5


def test_translator_releases_finish_chunk_after_usage():
    translator = chat.StreamTranslator(model="m")
    emitted = []
    for line in OFFICIAL.decode().split("\n"):
        emitted += [("finish" if c.choices and c.choices[0].finish_reason else "usage" if not c.choices else "delta")
                    for c in translator.feed_line(line)]
    assert translator.done
    assert emitted == ["delta", "delta", "delta", "usage", "finish"]
