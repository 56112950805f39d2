"""Audio: speech and transcription in code (time, and peak memory growth over the audio's size)
against a raw httpx client doing the same job; long audio (pieces at once against one at a time,
in code and through the proxy, streamed speech); and, in a full run, the largest speech and
transcription the default limits allow."""

from __future__ import annotations

import base64
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import litellm
import yaml

import litellm_mimo  # noqa: F401  (registers the provider "xiaomi")
from litellm_mimo import audiofile, limits, settings, speech
from litellm_mimo.testing import MASTER_KEY, Proxy
from benchmarks.measure import (API_KEY, MIB, ROOT, Settings, expect, interleave, median_ms, peak_growth,
                                spread_ms, timed)
from benchmarks.report import row, time_row
from benchmarks.upstream import TRANSCRIPT


SPEECH_TEXT = "Hey boss, good morning! Today looks like a good day to ship."


SPEECH_BYTES = audiofile.WAV_HEADER_SIZE + 30 * audiofile.SAMPLE_RATE * 2  # the stand-in's default: 30 s


# --- speech and transcription ----------------------------------------------------------------------


def silent_wav_of_size(size: int) -> bytes:
    return audiofile.wav_file(bytes(size - audiofile.WAV_HEADER_SIZE))


def raw_wav_pieces(wav: bytes) -> Iterator[bytes]:
    """The WAV cut as the package cuts it, one piece at a time: whole files whose data URL fits
    MiMo's limit."""
    max_bytes = audiofile.max_bytes_in_data_url("wav")
    if len(wav) <= max_bytes:
        yield wav
        return
    for header, samples in audiofile.wav_pieces(audiofile.read_wav(wav), max_bytes):
        yield header + samples


def audio_targets(base: str, raw: httpx.Client, wav_7: bytes, wav_30: bytes) -> dict[str, dict[str, Callable]]:
    """Per case, the package's call and the raw httpx call doing the same job."""
    auth = {"Authorization": f"Bearer {API_KEY}"}

    def speech() -> bytes:
        return litellm.speech(model="xiaomi/mimo-v2.5-tts", input=SPEECH_TEXT, voice="alloy", api_base=base,
                              api_key=API_KEY).content

    def raw_speech() -> bytes:
        body = {"model": "mimo-v2.5-tts", "messages": [{"role": "assistant", "content": SPEECH_TEXT}],
                "audio": {"format": "wav", "voice": "mimo_default"}}
        answer = raw.post(base + "/chat/completions", json=body, headers=auth).json()
        return base64.b64decode(answer["choices"][0]["message"]["audio"]["data"])

    def transcribe(wav: bytes) -> Callable[[], str]:
        return lambda: litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=wav, api_base=base,
                                             api_key=API_KEY).text

    def raw_transcribe(wav: bytes) -> Callable[[], str]:
        def call() -> str:
            texts = []
            for piece in raw_wav_pieces(wav):
                data_url = audiofile.data_url("wav", piece)
                body = {"model": "mimo-v2.5-asr", "messages": [{"role": "user", "content": [
                    {"type": "input_audio", "input_audio": {"data": data_url}}]}]}
                answer = raw.post(base + "/chat/completions", json=body, headers=auth).json()
                texts.append(answer["choices"][0]["message"]["content"])
            return " ".join(texts)
        return call

    return {
        "speech, 30 s WAV out": {"this": speech, "raw": raw_speech},
        "transcription, 7 MiB WAV in (1 request)": {"this": transcribe(wav_7), "raw": raw_transcribe(wav_7)},
        "transcription, 30 MiB WAV in (5 pieces)": {"this": transcribe(wav_30), "raw": raw_transcribe(wav_30)},
    }


def bench_audio(base: str, s: Settings) -> list[dict]:
    wav_7, wav_30 = silent_wav_of_size(7 * MIB), silent_wav_of_size(30 * MIB)
    audio_size = {"speech, 30 s WAV out": SPEECH_BYTES, "transcription, 7 MiB WAV in (1 request)": len(wav_7),
                  "transcription, 30 MiB WAV in (5 pieces)": len(wav_30)}
    rows = []
    with httpx.Client(timeout=120) as raw:
        for case, targets in audio_targets(base, raw, wav_7, wav_30).items():
            for name, call in targets.items():  # warm-up, and a check of the result
                result = call()
                expect(len(result) == SPEECH_BYTES if case.startswith("speech") else result.startswith(TRANSCRIPT),
                       f"{case}, {name}: unexpected result")
            # httpx leaves each response (and its request body: megabytes here) in a reference
            # cycle until the next full GC; collect first so no call pays for the previous one's.
            times = interleave({name: timed(call, collect_first=True) for name, call in targets.items()},
                               s.audio_rounds, 1)
            rows.append(time_row("audio", f"{case}: time", median_ms(times["this"]), None, median_ms(times["raw"]),
                                 spread=spread_ms(times)))
            peaks = {name: statistics.median(peak_growth(call) for _ in range(s.memory_runs))
                     for name, call in targets.items()}
            this_x, raw_x = peaks["this"] / audio_size[case], peaks["raw"] / audio_size[case]
            rows.append(row("audio", f"{case}: peak memory growth", "× audio", this_x, raw=raw_x,
                            target="≤ 4× audio size", met=this_x <= 4.0, audio_bytes=audio_size[case],
                            this_peak_bytes=peaks["this"], raw_peak_bytes=peaks["raw"]))
    return rows


# --- long audio: pieces at once, streamed speech, the largest requests allowed ----------------------


PIECE_TEXT = "A sentence of the audiobook, long enough to fill one piece of MiMo speech " * 32  # ~2,400 chars


def piece_text(count: int) -> str:
    return " ".join(f"Chapter part {i}. " + PIECE_TEXT.strip() for i in range(count))


def timed_stream(open_stream: Callable[[], Any]) -> tuple[float, float, int]:
    """Seconds to the first byte and in all, and the bytes, of one streamed answer."""
    start, first, size = time.perf_counter(), None, 0
    with open_stream() as response:
        for chunk in response.iter_bytes():
            first = first or time.perf_counter() - start
            size += len(chunk)
    return first, time.perf_counter() - start, size


def bench_long_audio(base: str, s: Settings) -> list[dict]:
    """Against an upstream that takes ``delay`` seconds per request: long audio with pieces one after
    another (audio_concurrency=1, the package before) and 4 at a time (the default), side by side."""
    group, delay, rows = "long audio", s.piece_delay, []
    bench = {"X-Bench-Delay": str(delay), "X-Bench-Seconds": "5"}

    def transcribe(wav: bytes, window: int) -> Callable[[], str]:
        return lambda: litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=wav, api_base=base, api_key=API_KEY,
                                             headers=bench, audio_concurrency=window).text

    one_piece, four_pieces = silent_wav_of_size(7 * MIB), silent_wav_of_size(28 * MIB)  # 4 pieces of about 7 MiB
    expect(len(list(raw_wav_pieces(four_pieces))) == 4, "the long file is meant to be four pieces")
    times = interleave({"one piece": timed(transcribe(one_piece, 4)), "1 at a time": timed(transcribe(four_pieces, 1)),
                        "4 at a time": timed(transcribe(four_pieces, 4))}, s.audio_rounds, 1)
    piece, before, after = (median_ms(times[k]) for k in ("one piece", "1 at a time", "4 at a time"))
    rows.append(row(group, f"transcription, 4 pieces of {delay:g} s each: time (raw: one piece at a time)", "ms",
                    after, raw=before, target=f"≤ 1.5× one piece ({piece:.0f} ms)", met=after <= 1.5 * piece,
                    one_piece_ms=piece))
    peaks = {window: peak_growth(transcribe(four_pieces, window)) / len(four_pieces) for window in (1, 4)}
    rows.append(row(group, "transcription, 4 pieces: peak memory growth (raw: one piece at a time)", "× audio",
                    peaks[4], raw=peaks[1], target="≤ 3× audio size", met=peaks[4] <= 3.0))

    config = yaml.safe_load((ROOT / "proxy_config.yaml").read_text())
    config["model_list"] = [{"model_name": name, "litellm_params": {
        "model": "xiaomi/mimo-v2.5-tts", "api_key": "os.environ/XIAOMI_API_KEY", "extra_headers": bench, **extra}}
        for name, extra in (("tts", {}), ("tts-1-at-a-time", {"audio_concurrency": 1}))]
    text, pieces = piece_text(12), 12
    with Proxy(base, config=config, env={"XIAOMI_API_KEY": API_KEY}) as proxy, \
            httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=120) as client:
        def speak(model: str, words: str) -> Callable[[], tuple[float, float, int]]:
            return lambda: timed_stream(lambda: client.stream("POST", "/v1/audio/speech", json={
                "model": model, "input": words, "response_format": "pcm"}))
        results = interleave({"one piece": speak("tts", piece_text(1)), "1 at a time": speak("tts-1-at-a-time", text),
                              "4 at a time": speak("tts", text)}, s.audio_rounds, 1)
    expect(all(size == pieces * 5 * audiofile.SAMPLE_RATE * 2 for _, _, size in results["4 at a time"]),
           "every piece's audio came through")
    first = {k: statistics.median(r[0] for r in v) * 1000 for k, v in results.items()}
    total = {k: statistics.median(r[1] for r in v) * 1000 for k, v in results.items()}
    rounds = -(-pieces // 4)
    rows.append(row(group, f"speech, {pieces} pieces through the proxy: time to first byte (raw: one piece at a time)",
                    "ms", first["4 at a time"], raw=first["1 at a time"],
                    target=f"≤ 1.3× one piece ({total['one piece']:.0f} ms)",
                    met=first["4 at a time"] <= 1.3 * total["one piece"]))
    rows.append(row(group, f"speech, {pieces} pieces through the proxy: total (raw: one piece at a time)", "ms",
                    total["4 at a time"], raw=total["1 at a time"],
                    target=f"≤ 1.3× {rounds} pieces ({rounds * total['one piece']:.0f} ms)",
                    met=total["4 at a time"] <= 1.3 * rounds * total["one piece"]))

    def speech_in_code(words: str, streamed: bool) -> Callable[[], int]:
        def call() -> int:
            r = litellm.speech(model="xiaomi/mimo-v2.5-tts", input=words, api_base=base, api_key=API_KEY,
                               response_format="pcm", extra_headers={"X-Bench-Seconds": "5"}, stream=streamed)
            return sum(len(chunk) for chunk in r.iter_bytes()) if streamed else len(r.content)
        return call

    audio_bytes = pieces * 5 * audiofile.SAMPLE_RATE * 2
    held = peak_growth(speech_in_code(text, streamed=False)) / audio_bytes
    streamed = peak_growth(speech_in_code(text, streamed=True)) / audio_bytes
    rows.append(row(group, f"speech, {pieces} pieces in code: peak memory growth, streamed (raw: read whole)",
                    "× audio", streamed, raw=held, target="≤ 4× audio size", met=streamed <= 4.0))
    if s.at_the_limits:
        rows += bench_at_the_limits(base, group)
    return rows


def bench_at_the_limits(base: str, group: str) -> list[dict]:
    """The largest speech and transcription the default limits allow (limits.py), once each."""
    rows = []
    text = piece_text(41)[:settings.SPEECH_CHARS.default]
    seconds = 160  # about what 2,500 characters take to say: ~7.7 MB of 24 kHz 16-bit audio a piece
    pieces = len(speech.split_text(text))

    def speak() -> int:
        r = litellm.speech(model="xiaomi/mimo-v2.5-tts", input=text, api_base=base, api_key=API_KEY,
                           response_format="pcm", extra_headers={"X-Bench-Seconds": str(seconds)}, stream=True)
        return sum(len(chunk) for chunk in r.iter_bytes())

    started = time.perf_counter()
    peak = peak_growth(speak)
    audio = pieces * seconds * audiofile.SAMPLE_RATE * 2
    rows.append(row(group, f"speech at the limit ({len(text):,} characters, {pieces} pieces, {audio / MIB:.0f} MiB "
                    "of audio), streamed: peak memory growth", "× audio", peak / audio, target="≤ 4× audio size",
                    met=peak <= 4 * audio, seconds=round(time.perf_counter() - started, 1)))
    wav = silent_wav_of_size(settings.TRANSCRIPTION_MB[2] * limits.MB)
    started = time.perf_counter()
    peak = peak_growth(lambda: litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=wav, api_base=base,
                                                     api_key=API_KEY).text)
    rows.append(row(group, f"transcription at the limit ({len(wav) / limits.MB:.0f} MB, "
                    f"{len(list(raw_wav_pieces(wav)))} pieces): peak memory growth", "× audio", peak / len(wav),
                    target="≤ 3× audio size", met=peak <= 3 * len(wav), seconds=round(time.perf_counter() - started, 1)))
    return rows
