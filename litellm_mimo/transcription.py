"""``litellm.transcription`` in MiMo's chat dialect (docs/mimo-api.md, "Speech recognition"): pure
translation. One user message with one ``input_audio`` part carrying a ``data:`` URL;
``asr_options.language``; plain text back. Files over MiMo's size limit are cut into pieces
(WAV on sample frames, mp3 on MPEG frames), transcribed in order and joined.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import audiofile, errors, limits, models, preflight
from .log import logger


LANGUAGES = ("auto", "zh", "en")
RESPONSE_FORMATS = ("json", "text")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class TranscriptionPlan:
    model: str
    kind: str  # "wav" or "mp3"
    pieces: tuple[tuple[bytes | memoryview, ...], ...]  # each piece: buffers that make one file
    options: dict  # extra MiMo fields: asr_options, temperature
    response_format: str


def plan(model: str, file: object, language: str | None = None, prompt: str | None = None,
         response_format: str | None = None, timestamp_granularities: Sequence[str] | None = None,
         temperature: float | None = None, drop_params: bool = False,
         max_data_url_chars: int = audiofile.MAX_DATA_URL_CHARS, max_mb: object = None) -> TranscriptionPlan:
    upstream = preflight.upstream_id_for(model, "audio_transcription")  # a retired model: refused, or its successor
    fmt = response_format or "json"
    if fmt not in RESPONSE_FORMATS:
        raise errors.bad_request(f"response_format={response_format!r} is not supported: MiMo returns plain text only, "
                                 f"so use one of: {', '.join(RESPONSE_FORMATS)}.")
    for name, value, why in (("prompt", prompt, "MiMo's ASR takes no prompt"),
                             ("timestamp_granularities", timestamp_granularities, "MiMo returns no timestamps")):
        if value:
            if not drop_params:
                raise errors.bad_request(f"{name} is not supported: {why}.")
            logger.warning("%s; dropping %s (drop_params)", why, name)
    options: dict = {}
    if language is not None:
        options["asr_options"] = {"language": normalise_language(language)}
    if temperature is not None:
        options["temperature"] = float(temperature)

    size = file_size(file)
    if size is not None:  # known before reading: a file over the limit is never read into memory
        limits.check_transcription(size, max_mb)
    data, filename = read_file(file)
    if size is None:
        limits.check_transcription(len(data), max_mb)
    if len(data) == 0:
        raise errors.bad_request("the audio file is empty.")
    kind = audiofile.sniff(data)
    if kind is None:
        raise errors.bad_request(f"{filename or 'the file'} is not wav or mp3 audio (its bytes are neither a RIFF/WAVE "
                                 "file nor MPEG audio frames, whatever its name says): MiMo accepts wav and mp3 only; "
                                 "convert it first.")
    max_bytes = audiofile.max_bytes_in_data_url(kind, max_data_url_chars)
    try:
        if len(data) <= max_bytes:
            pieces: tuple = ((data,),)
        elif kind == "wav":
            pieces = tuple(audiofile.wav_pieces(audiofile.read_wav(data), max_bytes))
        else:
            pieces = tuple((piece,) for piece in audiofile.mp3_pieces(data, max_bytes))
    except audiofile.AudioFormatError as exc:
        raise errors.bad_request(f"cannot split this {kind} file into pieces MiMo accepts: {exc}.") from None
    return TranscriptionPlan(upstream, kind, pieces, options, fmt)


def normalise_language(language: str) -> str:
    """``zh-CN``, ``en_US``, ``zh-Hans`` -> the base language MiMo knows; anything else refused."""
    base = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    if base not in LANGUAGES:
        raise errors.bad_request(f"language={language!r} is not supported by MiMo: use one of {', '.join(LANGUAGES)} "
                                 "(regional tags such as zh-CN or en-US are accepted).")
    return base


def read_file(file: object) -> tuple[bytes | memoryview, str | None]:
    """Bytes and a file name from any ``file`` LiteLLM accepts: bytes, a file object, a path
    object (in code), or a ``(name, content, ...)`` tuple. A plain string is refused: through
    the proxy it would be a server-side path, and the proxy must not read files for callers."""
    name = None
    if isinstance(file, tuple):
        name, file = file[0], file[1]
    if isinstance(file, (bytes, bytearray, memoryview)):
        return (file if isinstance(file, bytes) else memoryview(file)), name
    if isinstance(file, os.PathLike):
        path = Path(file)
        return path.read_bytes(), name or path.name
    if hasattr(file, "read"):
        data = _read_keeping_position(file)
        if isinstance(data, str):
            raise errors.bad_request("the file was opened in text mode: open it with 'rb'.")
        return data, name or os.path.basename(str(getattr(file, "name", "") or "")) or None
    raise errors.bad_request(f"file must be bytes, a binary file object, a path object or a (name, content) tuple, "
                             f"not {type(file).__name__}.")


def file_size(file: object) -> int | None:
    """How many bytes ``read_file`` would read, when that is known without reading them."""
    if isinstance(file, tuple):
        file = file[1]
    if isinstance(file, (bytes, bytearray, memoryview)):
        return memoryview(file).nbytes
    try:
        if isinstance(file, os.PathLike):
            return os.stat(file).st_size
        if hasattr(file, "seek") and hasattr(file, "tell"):
            start = file.tell()
            end = file.seek(0, os.SEEK_END)
            file.seek(start)
            return end - start
    except (OSError, ValueError):
        pass
    return None


def _read_keeping_position(file) -> object:
    """Read a file object and put it back where it was: LiteLLM's Router retries a failed
    transcription with the same file object, which must not arrive empty the second time."""
    try:
        start = file.tell()
    except (AttributeError, OSError, ValueError):
        return file.read()
    try:
        return file.read()
    finally:
        file.seek(start)


def chat_kwargs(transcription: TranscriptionPlan, piece: tuple[bytes | memoryview, ...]) -> dict:
    """The ``litellm.completion`` arguments for one piece of audio."""
    audio = piece[0] if len(piece) == 1 else b"".join(piece)
    part = {"type": "input_audio", "input_audio": {"data": audiofile.data_url(transcription.kind, audio)}}
    return {"model": f"{models.PROVIDER}/{transcription.model}", "messages": [{"role": "user", "content": [part]}],
            **transcription.options}


def join_texts(texts: Sequence[str]) -> str:
    """Pieces' transcripts in order: a space between them, none between Chinese characters."""
    out = ""
    for text in (t.strip() for t in texts):
        if not text:
            continue
        if out and not (_CJK.match(out[-1]) and _CJK.match(text[0])):
            out += " "
        out += text
    return out


def text_of(response, model: str) -> str:
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError):
        raise errors.malformed_upstream("MiMo's ASR answer has no choices[0].message", model=model) from None
    return content or ""  # an empty transcript is an answer, not a fault
