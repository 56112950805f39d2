"""Speech and transcription as MiMo chat calls: each piece of a plan (``speech.py``,
``transcription.py``) is one ``litellm.completion`` / ``acompletion`` call, which keeps LiteLLM's
logging, cost and retries; ``pieces.py`` runs them concurrently, in order.

Speech comes back the way LiteLLM's built-in speech providers return it, as LiteLLM's binary
response type: whole (``.content``, ``write_to_file()`` and ``stream_to_file()`` work at once, also
after ``await aspeech(...)``), or, when the caller asks with ``stream=True`` (and always inside the
proxy, whose speech route reads ``aiter_bytes``), as ``SpeechStream``: the first piece's audio as
soon as it exists, while later pieces are still being synthesized. Either way the call waits for
the first piece, so a failing first piece is an ordinary error with its status.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import litellm
from litellm.types.llms.openai import HttpxBinaryResponseContent
from litellm.types.utils import TranscriptionResponse, TranscriptionUsageTokensObject

from . import audiofile, cost, models, pieces, speech, transcription


class SpeechStream(HttpxBinaryResponseContent):
    """LiteLLM's binary response over audio still being produced, piece by piece.

    ``iter_bytes()`` / ``aiter_bytes()`` give it as it comes (a WAV of several pieces then starts
    with a header for a length not known yet). Reading it whole (``.content`` or ``read()`` in sync
    code, ``await aread()`` in async code, ``write_to_file``) gives the exact header.
    ``_hidden_params["response_cost"]`` is known once the audio has been read to its end.
    """

    @property
    def content(self) -> bytes:
        if not hasattr(self.response, "_content") and isinstance(self.response.stream, httpx.SyncByteStream):
            self.response.read()
        return audiofile.sized_wav(self.response.content)  # an async body unread: httpx's ResponseNotRead

    def read(self) -> bytes:
        self.response.read()
        return self.content

    async def aread(self) -> bytes:
        await self.response.aread()
        return self.content

    def write_to_file(self, file: Any) -> None:
        with open(file, "wb") as f:
            for data in self.response.iter_bytes():
                f.write(data)
            size = f.tell()
        with open(file, "r+b") as f:
            head = f.read(audiofile.WAV_HEADER_SIZE)
            f.seek(0)
            f.write(audiofile.sized_header(head, size))

    def stream_to_file(self, file: Any, *, chunk_size: int | None = None) -> None:
        self.write_to_file(file)


class _Body(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks

    def close(self) -> None:
        self.chunks.close()  # stops the pieces not started yet


class _ABody(httpx.AsyncByteStream):
    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.chunks:
            yield chunk

    async def aclose(self) -> None:
        await self.chunks.aclose()


# --- speech -----------------------------------------------------------------------------------


def _piece(plan: speech.SpeechPlan, text: str, inner: dict, costs: list) -> Iterator[bytes]:
    kwargs = {**speech.chat_kwargs(plan, text), **inner}
    if not plan.streamed:
        response = litellm.completion(**kwargs)
        costs.append(response._hidden_params.get("response_cost"))
        yield speech.audio_from_response(response, plan.model)
        return
    samples = speech.PcmStream(plan.model)
    with litellm.completion(**kwargs) as stream:  # a piece stopped mid-way closes MiMo's stream
        for chunk in stream:
            yield samples.feed(chunk)
            _note_cost(plan, chunk, costs)
    samples.close()


async def _apiece(plan: speech.SpeechPlan, text: str, inner: dict, costs: list) -> AsyncIterator[bytes]:
    kwargs = {**speech.chat_kwargs(plan, text), **inner}
    if not plan.streamed:
        response = await litellm.acompletion(**kwargs)
        costs.append(response._hidden_params.get("response_cost"))
        yield speech.audio_from_response(response, plan.model)
        return
    samples = speech.PcmStream(plan.model)
    async with await litellm.acompletion(**kwargs) as stream:
        async for chunk in stream:
            yield samples.feed(chunk)
            _note_cost(plan, chunk, costs)
    samples.close()


def _note_cost(plan: speech.SpeechPlan, chunk: Any, costs: list) -> None:
    usage = getattr(chunk, "usage", None)
    if usage is not None:  # a streamed piece's usage comes in its last chunk
        costs.append(cost.piece_cost(plan.model, usage))


def _hidden(plan: speech.SpeechPlan, cost: float | None) -> dict:
    return {"custom_llm_provider": models.PROVIDER, "model": plan.model, "response_cost": cost,
            "pieces": len(plan.pieces)}


def _total(costs: list, count: int | None = None) -> float | None:
    """The cost of a call of several pieces: unknown if one piece's is (or, given the count of
    pieces, if one piece told none)."""
    return None if None in costs or (count is not None and len(costs) != count) else sum(costs)


def _whole(plan: speech.SpeechPlan, audio: list[bytes], costs: list) -> HttpxBinaryResponseContent:
    """Every piece's audio as one read response, a WAV of streamed samples under its exact header."""
    head = audiofile.wav_header(audiofile.MIMO_WAV, sum(map(len, audio))) if plan.head() else b""
    result = HttpxBinaryResponseContent(httpx.Response(200, content=b"".join([head, *audio]),
                                                       headers={"content-type": plan.content_type}))
    result._hidden_params = _hidden(plan, _total(costs, len(plan.pieces)))
    return result


def _streamed(plan: speech.SpeechPlan, stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> SpeechStream:
    result = SpeechStream(httpx.Response(200, stream=stream, headers={"content-type": plan.content_type}))
    result._hidden_params = _hidden(plan, None)
    return result


def speak(plan: speech.SpeechPlan, inner: dict, window: int, stream: bool) -> HttpxBinaryResponseContent:
    costs: list = []
    audio = pieces.ordered([functools.partial(_piece, plan, text, inner, costs) for text in plan.pieces], window)
    first = next(audio)  # the first piece's failure is raised here, before anything is handed on
    if not stream:
        return _whole(plan, [first, *audio], costs)

    def body() -> Iterator[bytes]:
        yield plan.head() + first
        yield from audio
        result._hidden_params["response_cost"] = _total(costs, len(plan.pieces))

    result = _streamed(plan, _Body(body()))
    return result


async def aspeak(plan: speech.SpeechPlan, inner: dict, window: int, stream: bool) -> HttpxBinaryResponseContent:
    """``speak``'s mirror image."""
    costs: list = []
    audio = pieces.aordered([functools.partial(_apiece, plan, text, inner, costs) for text in plan.pieces], window)
    first = await anext(audio)
    if not stream:
        return _whole(plan, [first, *[data async for data in audio]], costs)

    async def body() -> AsyncIterator[bytes]:
        yield plan.head() + first
        async for data in audio:
            yield data
        result._hidden_params["response_cost"] = _total(costs, len(plan.pieces))

    result = _streamed(plan, _ABody(body()))
    return result


# --- transcription ----------------------------------------------------------------------------


def _answer(plan: transcription.TranscriptionPlan, piece: tuple, inner: dict) -> Iterator:
    yield litellm.completion(**transcription.chat_kwargs(plan, piece), **inner)


async def _aanswer(plan: transcription.TranscriptionPlan, piece: tuple, inner: dict) -> AsyncIterator:
    yield await litellm.acompletion(**transcription.chat_kwargs(plan, piece), **inner)


def transcribe(plan: transcription.TranscriptionPlan, inner: dict, window: int) -> list:
    return list(pieces.ordered([functools.partial(_answer, plan, piece, inner) for piece in plan.pieces], window))


async def atranscribe(plan: transcription.TranscriptionPlan, inner: dict, window: int) -> list:
    pieces_ = [functools.partial(_aanswer, plan, piece, inner) for piece in plan.pieces]
    return [answer async for answer in pieces.aordered(pieces_, window)]


def transcription_result(plan: transcription.TranscriptionPlan, responses: list, plain_text: bool) -> Any:
    """One answer from the pieces' answers: the texts joined, usage and cost summed. ``plain_text``:
    the proxy's route returns a starlette Response unchanged (docs/litellm-internals.md, "Audio
    routes"), the way to give an OpenAI client the plain-text body it asked for."""
    text = transcription.join_texts([transcription.text_of(r, plan.model) for r in responses])
    if plain_text:
        from starlette.responses import PlainTextResponse

        return PlainTextResponse(text)
    result = TranscriptionResponse(text=text)
    usages = [r.usage for r in responses if getattr(r, "usage", None) is not None]
    prompt = sum(u.prompt_tokens for u in usages)
    output = sum(u.completion_tokens for u in usages)
    audio_tokens = sum(getattr(u.prompt_tokens_details, "audio_tokens", None) or 0 for u in usages)
    result.usage = TranscriptionUsageTokensObject(
        type="tokens", input_tokens=prompt, output_tokens=output, total_tokens=prompt + output,
        input_token_details={"audio_tokens": audio_tokens, "text_tokens": prompt - audio_tokens},
    )
    seconds = sum(getattr(u, "seconds", 0) or 0 for u in usages)
    result._hidden_params = {
        "custom_llm_provider": models.PROVIDER, "model": plan.model,
        "response_cost": _total([r._hidden_params.get("response_cost") for r in responses]),
        "audio_seconds": seconds, "audio_transcription_duration": seconds, "pieces": len(responses),
    }
    return result
