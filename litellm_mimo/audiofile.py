"""The audio facts MiMo's wire depends on, in one place: which audio MiMo takes and how it is
named, its size limit, telling wav from mp3 by their bytes, reading and writing WAV, and cutting
WAV (on sample frames) and mp3 (on MPEG frames) into pieces under a size limit. Pieces are
``memoryview`` slices of the caller's bytes, so cutting copies nothing.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator
from dataclasses import dataclass

# What MiMo takes in a data URL (ASR input, voice-clone samples), and the type the package names.
KINDS_BY_MIME = {"audio/wav": "wav", "audio/mpeg": "mp3", "audio/mp3": "mp3"}
MIME_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}
# MiMo's limit is "base64 string <= 10 MB" (docs/mimo-api.md): read strictly, the whole data URL
# within 10,000,000 characters, for audio to transcribe and voice samples alike.
MAX_DATA_URL_CHARS = 10_000_000
SAMPLE_RATE = 24_000  # MiMo's speech: 24 kHz, 16-bit, mono
WAV_HEADER_SIZE = 44


def data_url(kind: str, data: bytes | memoryview) -> str:
    return data_url_prefix(kind) + base64.b64encode(data).decode("ascii")


def data_url_prefix(kind: str) -> str:
    return f"data:{MIME_TYPES[kind]};base64,"


def max_bytes_in_data_url(kind: str, max_chars: int = MAX_DATA_URL_CHARS) -> int:
    """The largest file of that kind whose data URL stays within ``max_chars``."""
    return (max_chars - len(data_url_prefix(kind))) // 4 * 3


class AudioFormatError(ValueError):
    pass


MP3_SEARCH_BYTES = 4096  # some encoders pad the start of an mp3 before its first frame


def sniff(data: bytes | memoryview) -> str | None:
    """``wav`` or ``mp3``, read from the bytes alone, never from a file name (a text file named
    ``.wav`` is not audio): a RIFF/WAVE header; an ID3 tag; or, within the first 4 KiB, an MPEG
    audio frame followed by another (or making up the whole file)."""
    head = bytes(data[:12])
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or first_mp3_frame(data) is not None:
        return "mp3"
    return None


def first_mp3_frame(data: bytes | memoryview) -> int | None:
    """Where the first MPEG audio frame starts (one followed by another, or by the end of the data)."""
    view = memoryview(data)
    head = bytes(view[:MP3_SEARCH_BYTES + 4])
    pos = head.find(b"\xff")
    while 0 <= pos < MP3_SEARCH_BYTES:
        length = mp3_frame_length(view[pos:pos + 4])
        if length and (pos + length == len(view) or mp3_frame_length(view[pos + length:pos + length + 4])):
            return pos
        pos = head.find(b"\xff", pos + 1)
    return None


@dataclass(frozen=True)
class Wav:
    channels: int
    sample_width: int  # bytes
    frame_rate: int
    data: memoryview  # the samples

    @property
    def frame_size(self) -> int:
        return self.channels * self.sample_width

    @property
    def seconds(self) -> float:
        return len(self.data) / (self.frame_size * self.frame_rate)


MIMO_WAV = Wav(channels=1, sample_width=2, frame_rate=SAMPLE_RATE, data=memoryview(b""))  # MiMo speech's format


def read_wav(data: bytes | memoryview) -> Wav:
    """The format and samples of a RIFF/WAVE file (PCM). A data chunk whose size runs past the
    end (streamed WAVs) is taken to the end."""
    view = memoryview(data)
    if sniff(view) != "wav":
        raise AudioFormatError("not a RIFF/WAVE file")
    pos, fmt = 12, None
    while pos + 8 <= len(view):
        chunk_id, size = bytes(view[pos:pos + 4]), struct.unpack_from("<I", view, pos + 4)[0]
        body = pos + 8
        if chunk_id == b"fmt " and size >= 16:
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", view, body)
            if tag == WAVE_FORMAT_EXTENSIBLE and size >= 26:
                tag = struct.unpack_from("<H", view, body + 24)[0]  # the sub-format's first two bytes
            if tag != WAVE_FORMAT_PCM:
                raise AudioFormatError(f"a WAV of format {tag} is not PCM samples, which alone can be cut into pieces")
            if rate * channels * (bits // 8) >= 1 << 32:
                raise AudioFormatError(f"a WAV of {rate:,} frames a second of {channels * bits} bits is not one "
                                       "its own header can describe")
            fmt = (channels, bits // 8, rate)
        elif chunk_id == b"data":
            if fmt is None or not all(fmt):
                raise AudioFormatError("WAV data chunk before a valid fmt chunk")
            end = min(body + size, len(view))
            frame = fmt[0] * fmt[1]
            end -= (end - body) % frame
            return Wav(*fmt, view[body:end])
        pos = body + size + (size & 1)
    raise AudioFormatError("WAV file has no data chunk")


WAVE_FORMAT_PCM, WAVE_FORMAT_EXTENSIBLE = 1, 0xFFFE
STREAMED = 0xFFFFFFFF  # a WAV's sizes when its length is not known yet (streaming WAV's convention)


def wav_header(wav: Wav, data_size: int) -> bytes:
    """A PCM WAV header; ``data_size=STREAMED`` marks a length not known yet."""
    frame = wav.frame_size
    riff_size = STREAMED if data_size == STREAMED else 36 + data_size
    return struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", riff_size, b"WAVE", b"fmt ", 16, 1, wav.channels,
                       wav.frame_rate, wav.frame_rate * frame, frame, wav.sample_width * 8, b"data", data_size)


def sized_header(head: bytes, total: int) -> bytes:
    """The first bytes of a file of ``total`` bytes, with the real sizes in place of a streamed
    WAV's unknown ones; anything else unchanged."""
    if len(head) < WAV_HEADER_SIZE or head[:4] != b"RIFF" or struct.unpack_from("<I", head, 40)[0] != STREAMED:
        return head
    return struct.pack("<4sI", b"RIFF", total - 8) + head[8:40] + struct.pack("<I", total - WAV_HEADER_SIZE) + head[44:]


def sized_wav(data: bytes) -> bytes:
    """A whole streamed WAV with its real sizes in its header, once its length is known."""
    head = sized_header(data[:WAV_HEADER_SIZE], len(data))
    return data if head == data[:WAV_HEADER_SIZE] else head + data[WAV_HEADER_SIZE:]


def wav_bytes(wav: Wav, samples: bytes) -> bytes:
    return wav_header(wav, len(samples)) + samples


def wav_file(samples: bytes, frame_rate: int = SAMPLE_RATE, channels: int = 1, sample_width: int = 2) -> bytes:
    """A whole WAV file around PCM samples (by default MiMo's own format)."""
    return wav_bytes(Wav(channels, sample_width, frame_rate, memoryview(b"")), samples)


def wav_pieces(wav: Wav, max_bytes: int) -> Iterator[tuple[bytes, memoryview]]:
    """``(header, samples)`` pieces, each a whole WAV file of at most ``max_bytes``, cut on
    sample-frame boundaries."""
    frames_per_piece = (max_bytes - WAV_HEADER_SIZE) // wav.frame_size
    if frames_per_piece < 1:
        raise AudioFormatError("size limit smaller than one WAV frame")
    step = frames_per_piece * wav.frame_size
    for start in range(0, len(wav.data), step):
        samples = wav.data[start:start + step]
        yield wav_header(wav, len(samples)), samples


# MPEG audio frame headers: bitrates (kbps) by (version is MPEG-1, layer), sample rates by version.
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mp3_frame_length(header: bytes | memoryview) -> int:
    """Length in bytes of the MPEG audio frame starting with these 4 bytes; 0 if not a frame."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return 0
    version, layer = (header[1] >> 3) & 3, 4 - ((header[1] >> 1) & 3)
    bitrate_index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 3, (header[2] >> 1) & 1
    if version == 1 or layer == 4 or bitrate_index in (0, 15) or rate_index == 3:
        return 0
    mpeg1 = version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _SAMPLE_RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    if layer == 3 and not mpeg1:
        return 72 * bitrate // rate + padding
    return 144 * bitrate // rate + padding


def id3_length(data: bytes | memoryview) -> int:
    """Length of an ID3v2 tag at the start of ``data`` (0 if none)."""
    if len(data) < 10 or bytes(data[:3]) != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if data[5] & 0x10 else 0)


def mp3_pieces(data: bytes | memoryview, max_bytes: int) -> Iterator[memoryview]:
    """Pieces of at most ``max_bytes``, cut on MPEG frame boundaries (a leading ID3 tag, and any
    padding before the first frame, stay with the first piece)."""
    view = memoryview(data)
    start, pos = 0, id3_length(view)
    if not mp3_frame_length(view[pos:pos + 4]):
        pos += first_mp3_frame(view[pos:]) or 0
    while pos < len(view):
        tag = bytes(view[pos:pos + 3])
        if tag in (b"TAG", b"ID3"):  # ID3v1 trailer / ID3v2 tag between concatenated files
            pos += 128 if tag == b"TAG" else id3_length(view[pos:])
            continue
        length = mp3_frame_length(view[pos:pos + 4])
        if not length:
            raise AudioFormatError(f"not an MPEG audio frame at byte {pos}")
        if pos + length - start > max_bytes and pos > start:
            yield view[start:pos]
            start = pos
        if length > max_bytes:
            raise AudioFormatError("size limit smaller than one MPEG frame")
        pos += length
    if len(view) > start:
        yield view[start:]
