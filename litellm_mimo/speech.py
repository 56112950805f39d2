"""``litellm.speech`` in MiMo's chat dialect (docs/mimo-api.md, "Text-to-speech"): pure translation.

MiMo speaks only the ``assistant`` message; an optional ``user`` message before it carries the
style instructions; ``audio: {"format", "voice"}`` picks the output. ``audio_calls.py`` sends what
``plan`` and ``chat_kwargs`` build through LiteLLM's completion path and reads the answers with
``audio_from_response`` or ``PcmStream``.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from . import audiofile, errors, limits, models, preflight
from .log import logger


# OpenAI response_format -> (MiMo audio.format, content type)
FORMATS = {"wav": ("wav", audiofile.MIME_TYPES["wav"]), "mp3": ("mp3", audiofile.MIME_TYPES["mp3"]),
           "pcm": ("pcm16", "audio/pcm")}
PRESET_VOICES = ("mimo_default", "冰糖", "茉莉", "苏打", "白桦", "Mia", "Chloe", "Milo", "Dean")
OPENAI_VOICES = ("alloy", "ash", "ballad", "cedar", "coral", "echo", "fable", "marin", "nova", "onyx",
                 "sage", "shimmer", "verse")
# The retired mimo-v2-tts's own voices, on its successor: its Chinese and English defaults.
V2_VOICES = {"default_zh": "冰糖", "default_en": "Mia"}
MAX_CHARS = limits.SPEECH_PIECE_CHARS
_SENTENCE_END = re.compile(r"(?<=[.!?。！？…])\s*|\n+")
_CLAUSE_END = re.compile(r"(?<=[,;:，；：、])\s*|\s+")


@dataclass(frozen=True)
class SpeechPlan:
    model: str  # the id after xiaomi/
    pieces: tuple[str, ...]  # the text, split for MiMo
    audio: dict  # MiMo's `audio` object
    instructions: str | None
    response_format: str  # OpenAI's name: wav, mp3 or pcm
    content_type: str

    @property
    def streamed(self) -> bool:
        """Whether MiMo's own streaming TTS serves it (``stream: true``, which wants ``pcm16``): raw
        samples, and a WAV of several pieces, whose header is written once before all of them.
        One WAV piece is asked for whole (an exact header); mp3 cannot stream."""
        return self.response_format == "pcm" or (self.response_format == "wav" and len(self.pieces) > 1)

    def head(self) -> bytes:
        """What goes before the first piece's audio: a WAV header for a length not known yet (the
        usual streaming-WAV convention) when the WAV is made of streamed samples."""
        return audiofile.wav_header(audiofile.MIMO_WAV, audiofile.STREAMED) if self.streamed and \
            self.response_format == "wav" else b""


def plan(model: str, input: str | None, voice: object = None, instructions: str | None = None,
         response_format: str | None = None, speed: float | None = None, drop_params: bool = False,
         max_chars: object = None) -> SpeechPlan:
    """Check a speech request and decide what MiMo receives. Raises ``invalid_request_error``
    (HTTP 400) for anything MiMo cannot do, before any request is sent."""

    family = preflight.upstream_id_for(model, "audio_speech")  # a retired model: refused, or its successor

    if not isinstance(input, str) or not input.strip():
        raise errors.bad_request("input is empty: give the text to speak.")
    limits.check_speech(input, max_chars)
    fmt = (response_format or "wav").lower()
    if fmt not in FORMATS:
        raise errors.bad_request(f"response_format={response_format!r} is not supported by MiMo; use one of: "
                                 f"{', '.join(FORMATS)}.")
    if speed is not None and float(speed) != 1.0:
        if not drop_params:
            raise errors.bad_request(f"speed={speed} is not supported by MiMo: describe the pace in `instructions` "
                                     "instead (e.g. 'speak slowly').")
        logger.warning("MiMo has no speed control; dropping speed=%s (drop_params)", speed)
    mimo_format, content_type = FORMATS[fmt]
    audio: dict = {"format": mimo_format}

    if family.endswith("-voicedesign"):
        if not instructions or not instructions.strip():
            raise errors.bad_request("mimo-v2.5-tts-voicedesign needs `instructions`: the description of the voice "
                                     "to design.")
        if voice is not None and _preset_or_openai(voice) is None:
            raise errors.bad_request(f"voice={voice!r}: voice design takes no voice (it is designed from "
                                     "`instructions`).")
        if voice is not None:
            logger.debug("MiMo voice design takes no voice: not sending voice=%r", voice)
    elif family.endswith("-voiceclone"):
        audio["voice"] = _voice_sample(voice)
    elif voice is not None:
        mimo_voice = _preset_or_openai(voice, v2=models.lookup(model).id == "mimo-v2-tts")
        if mimo_voice is None:
            raise errors.bad_request(f"voice={voice!r} is not a MiMo voice. Use one of: {', '.join(PRESET_VOICES)} "
                                     f"(OpenAI's voice names give MiMo's default voice).")
        if mimo_voice is not _DEFAULT:
            audio["voice"] = mimo_voice
    return SpeechPlan(family, tuple(split_text(input)), audio, instructions or None, fmt, content_type)


# An OpenAI voice name leaves audio.voice out: MiMo then uses its default voice in every report,
# while sending "mimo_default" was refused by v2.5 in one (docs/mimo-api.md, "Voices").
_DEFAULT = object()


def _preset_or_openai(voice: object, v2: bool = False) -> str | object | None:
    """MiMo's name for a preset voice (any case), ``_DEFAULT`` for an OpenAI voice name, None if
    it is neither."""
    if not isinstance(voice, str):
        return None
    presets = {v.lower(): v for v in PRESET_VOICES}
    name = voice.strip()
    if v2 and name in V2_VOICES:
        return V2_VOICES[name]
    if name.lower() in presets:
        return presets[name.lower()]
    if name.lower() in OPENAI_VOICES:
        return _DEFAULT
    return None


def _voice_sample(voice: object) -> str:
    """The voice-clone sample: a data URL, never a path or a URL to fetch (the proxy must not
    become a file reader or a fetcher)."""
    if not isinstance(voice, str) or not voice.startswith("data:"):
        raise errors.bad_request("mimo-v2.5-tts-voiceclone needs `voice` to be the reference sample as a data URL "
                                 "(data:audio/wav;base64,... or data:audio/mpeg;base64,...). In code, "
                                 "litellm_mimo.audio_data_url('sample.wav') builds one.")
    header, _, payload = voice.partition(",")
    mime = header[len("data:"):].split(";")[0].lower()
    if mime not in audiofile.KINDS_BY_MIME or not header.endswith(";base64"):
        raise errors.bad_request(f"voice sample type {mime or header!r} is not accepted: MiMo takes base64 wav or mp3 "
                                 "(data:audio/wav;base64,..., data:audio/mpeg;base64,...).")
    if len(voice) > audiofile.MAX_DATA_URL_CHARS:
        raise errors.bad_request(f"voice sample is a data URL of {len(voice):,} characters; MiMo accepts at most "
                                 f"{audiofile.MAX_DATA_URL_CHARS:,} (its 10 MB).")
    try:  # enough of the sample to find its first MPEG frames
        head = base64.b64decode(payload[:(audiofile.MP3_SEARCH_BYTES * 2) // 3 * 4], validate=True)
    except (binascii.Error, ValueError):
        raise errors.bad_request("voice sample is not valid base64.") from None
    if audiofile.sniff(head) != audiofile.KINDS_BY_MIME[mime]:
        raise errors.bad_request(f"voice sample says {mime} but its bytes are not {audiofile.KINDS_BY_MIME[mime]}.")
    return voice


def split_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at sentence ends where possible, then at
    clause ends or spaces, and only as a last resort mid-word."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _units(text, _SENTENCE_END, limit):
        if current and len(current) + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def _units(text: str, boundary: re.Pattern, limit: int) -> list[str]:
    units, start = [], 0
    for match in boundary.finditer(text):
        if match.end() > start:
            units.append(text[start:match.end()])
            start = match.end()
    if start < len(text):
        units.append(text[start:])
    out = []
    for unit in units:
        if len(unit) <= limit:
            out.append(unit)
        elif boundary is _SENTENCE_END:
            out.extend(_units(unit, _CLAUSE_END, limit))
        else:
            out.extend(unit[i:i + limit] for i in range(0, len(unit), limit))
    return out


def chat_kwargs(speech: SpeechPlan, piece: str) -> dict:
    """The ``litellm.completion`` arguments for one piece."""
    messages = []
    if speech.instructions:
        messages.append({"role": "user", "content": speech.instructions})
    messages.append({"role": "assistant", "content": piece})
    kwargs = {"model": f"{models.PROVIDER}/{speech.model}", "messages": messages, "audio": dict(speech.audio)}
    if speech.streamed:
        kwargs.update(audio={**speech.audio, "format": "pcm16"}, stream=True, stream_options={"include_usage": True})
    return kwargs


class PcmStream:
    """MiMo's streamed speech (base64 ``pcm16`` in each chunk's ``delta.audio.data``) as whole
    16-bit samples: a chunk may end in the middle of a sample, whose odd byte waits for the next."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._odd = b""

    def feed(self, chunk) -> bytes:
        audio = getattr(chunk.choices[0].delta, "audio", None) if chunk.choices else None
        data = getattr(audio, "data", None) or (audio.get("data") if isinstance(audio, dict) else None)
        if not data:  # MiMo's audio deltas may carry only an id or a transcript
            return b""
        samples = self._odd + _decode(data, self.model)
        whole = len(samples) - len(samples) % 2
        self._odd = samples[whole:]
        return samples[:whole]

    def close(self) -> None:
        if self._odd:
            raise errors.malformed_upstream("MiMo's streamed audio ended in the middle of a 16-bit sample", model=self.model)


def audio_from_response(response, model: str) -> bytes:
    """The audio bytes of one MiMo TTS answer."""
    try:
        audio = response.choices[0].message.audio
    except (AttributeError, IndexError):
        audio = None
    data = getattr(audio, "data", None) if audio is not None else None
    if not data:
        raise errors.malformed_upstream("MiMo's TTS answer carried no audio (choices[0].message.audio.data)", model=model)
    return _decode(data, model)


def _decode(data: str, model: str) -> bytes:
    try:
        if sys.version_info >= (3, 11):
            # binascii reads an ASCII str in place; base64.b64decode would first copy it to bytes.
            return binascii.a2b_base64(data, strict_mode=True)
        return base64.b64decode(data, validate=True)  # as strict; Python 3.10 has no strict_mode
    except (binascii.Error, ValueError):
        raise errors.malformed_upstream("MiMo's TTS audio is not valid base64", model=model) from None


def audio_data_url(path: str | Path) -> str:
    """``data:audio/wav;base64,...`` (or ``audio/mpeg``) for a local wav or mp3 file: the
    voice-clone sample for ``litellm.speech(model="xiaomi/mimo-v2.5-tts-voiceclone", voice=...)``."""
    data = Path(path).read_bytes()
    kind = audiofile.sniff(data)
    if kind is None:
        raise ValueError(f"{path}: its bytes are not wav or mp3 audio, and MiMo takes wav or mp3 samples only")
    return audiofile.data_url(kind, data)

