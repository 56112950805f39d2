"""``litellm.transcription`` / ``atranscription`` for xiaomi/mimo-v2.5-asr: what MiMo received
(cassettes/transcription_*.yaml), rejections with no request sent, and files over MiMo's
10 MB limit cut into pieces (stand-in)."""

import base64
import io
import logging
import struct
import wave

import litellm
import openai
import pytest

from litellm_mimo import audiofile, transcription
from tests.conftest import AUDIO, answer, creds, recorder, sent
from mimo_standin import pcm_for_text, wav_bytes

ASR = "xiaomi/mimo-v2.5-asr"
WAV = (AUDIO / "good-morning-24k.wav").read_bytes()
MP3 = (AUDIO / "good-morning.mp3").read_bytes()
MP3_ID3 = (AUDIO / "good-morning-id3.mp3").read_bytes()


def the_audio_part(body: dict) -> dict:
    """MiMo's ASR request is exactly one user message with exactly one input_audio part."""
    assert [m["role"] for m in body["messages"]] == ["user"]
    parts = body["messages"][0]["content"]
    assert len(parts) == 1 and parts[0]["type"] == "input_audio"
    return parts[0]["input_audio"]


def decoded(data_url: str, mime: str) -> bytes:
    prefix = f"data:{mime};base64,"
    assert data_url.startswith(prefix)
    return base64.b64decode(data_url[len(prefix):])


def test_wav_file_object_with_language_and_temperature(mimo_api):
    with recorder.use_cassette("transcription_wav.yaml") as cass:
        with open(AUDIO / "good-morning-24k.wav", "rb") as f:
            r = litellm.transcription(model=ASR, file=f, language="en-US", temperature=0, **creds(mimo_api))
    body = sent(cass)
    assert decoded(the_audio_part(body)["data"], "audio/wav") == WAV
    assert body["asr_options"] == {"language": "en"}
    assert body["temperature"] == 0.0 and isinstance(body["temperature"], float)
    mimo = answer(cass)
    assert r.text == mimo["choices"][0]["message"]["content"]
    assert r.usage.input_tokens == mimo["usage"]["prompt_tokens"]
    assert r.usage.output_tokens == mimo["usage"]["completion_tokens"]
    assert r.usage.input_token_details.audio_tokens == mimo["usage"]["prompt_tokens_details"]["audio_tokens"]
    assert r._hidden_params["audio_seconds"] == mimo["usage"]["seconds"]


async def test_atranscription_of_an_mp3_tuple(mimo_api):
    with recorder.use_cassette("transcription_mp3_async.yaml") as cass:
        r = await litellm.atranscription(model=ASR, file=("clip.mp3", MP3), **creds(mimo_api))
    body = sent(cass)
    assert decoded(the_audio_part(body)["data"], "audio/mpeg") == MP3
    assert "asr_options" not in body  # no language given: MiMo's default (auto)
    assert r.text == answer(cass)["choices"][0]["message"]["content"]


def test_mp3_with_id3_tag_from_a_path_and_a_regional_chinese_tag(mimo_api):
    with recorder.use_cassette("transcription_mp3_id3.yaml") as cass:
        r = litellm.transcription(model=ASR, file=AUDIO / "good-morning-id3.mp3", language="zh_Hans",
                                  response_format="text", **creds(mimo_api))
    body = sent(cass)
    assert decoded(the_audio_part(body)["data"], "audio/mpeg") == MP3_ID3
    assert body["asr_options"] == {"language": "zh"}
    assert r.text == answer(cass)["choices"][0]["message"]["content"]


def test_mp3_padded_before_its_first_frame_is_known_by_its_bytes(mimo):
    litellm.transcription(model=ASR, file=("take", b"\x00\x00" + MP3), api_base=mimo.url, api_key="k")
    assert the_audio_part(mimo.requests[0]["body"])["data"].startswith("data:audio/mpeg;base64,")


@pytest.mark.parametrize("file,words", [
    (("a.flac", b"fLaC\x00\x00\x00\x22" + b"\x00" * 64), "MiMo accepts wav and mp3"),
    (("a.ogg", b"OggS\x00\x02" + b"\x00" * 64), "MiMo accepts wav and mp3"),
    (("a.m4a", b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 64), "MiMo accepts wav and mp3"),
    (("a.webm", b"\x1aE\xdf\xa3" + b"\x00" * 64), "MiMo accepts wav and mp3"),
    ("/etc/passwd", "not str"),
    (io.StringIO("text"), "text mode"),
    (("a.wav", b""), "the audio file is empty"),
    (("notes.wav", b"Just some text, not audio.\n" * 40), "whatever its name says"),  # the bytes decide
    (("notes.mp3", b"\xff\xfb" + b"Just some text.\n" * 40), "not wav or mp3 audio"),
])
def test_unsupported_files_are_refused(mimo, file, words):
    with pytest.raises(litellm.BadRequestError, match=words) as caught:
        litellm.transcription(model=ASR, file=file, api_base=mimo.url, api_key="k")
    assert caught.value.type == "invalid_request_error"
    assert mimo.requests == []


@pytest.mark.parametrize("kwargs,words", [
    ({"language": "fr"}, "use one of auto, zh, en"),
    ({"language": "pt-BR"}, "use one of auto, zh, en"),
    ({"response_format": "verbose_json"}, "use one of: json, text"),
    ({"response_format": "srt"}, "use one of: json, text"),
    ({"response_format": "vtt"}, "use one of: json, text"),
    ({"prompt": "Names: Xiaomi"}, "takes no prompt"),
    ({"timestamp_granularities": ["word"]}, "returns no timestamps"),
])
def test_options_mimo_cannot_honour_are_refused(mimo, kwargs, words):
    with pytest.raises(litellm.BadRequestError, match=words):
        litellm.transcription(model=ASR, file=WAV, api_base=mimo.url, api_key="k", **kwargs)
    assert mimo.requests == []


def test_drop_params_drops_the_prompt_with_a_warning(mimo, caplog):
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        r = litellm.transcription(model=ASR, file=WAV, prompt="Names", drop_params=True,
                                  api_base=mimo.url, api_key="k")
    assert set(mimo.requests[0]["body"]) == {"model", "messages"}
    assert "dropping prompt" in caplog.text
    assert r.text


def test_empty_transcript_is_returned_not_raised(mimo):
    r = litellm.transcription(model=ASR, file=WAV, api_base=mimo.url, api_key="k",
                              headers={"X-Standin-Fault": "emptytext"})
    assert r.text == ""


# --- beyond MiMo's 10 MB limit -------------------------------------------------------------------


def long_wav(texts: list[str], frames_each: int) -> bytes:
    """A WAV whose samples carry `texts` (the stand-in reads them back), padded with silence."""
    pcm = b"".join(pcm_for_text(t).ljust(frames_each * 2, b"\x00") for t in texts)
    return wav_bytes(pcm)


def test_wav_over_the_limit_is_cut_on_frames_and_joined(mimo):
    texts = ["first part.", "second part.", "third part."]
    audio = long_wav(texts, 2_000_000)  # 12 MB of samples: 16 M base64 characters, two pieces
    assert len(base64.b64encode(audio)) > audiofile.MAX_DATA_URL_CHARS
    r = litellm.transcription(model=ASR, file=audio, api_base=mimo.url, api_key="k")
    urls = [the_audio_part(req["body"])["data"] for req in mimo.requests]
    assert len(urls) == 2
    assert all(len(url) <= audiofile.MAX_DATA_URL_CHARS for url in urls)
    original = audiofile.read_wav(audio).data.tobytes()
    pieces = sorted((decoded(url, "audio/wav") for url in urls),  # sent concurrently: in any order
                    key=lambda piece: not original.startswith(audiofile.read_wav(piece).data.tobytes()[:4096]))
    samples = b""
    for piece in pieces:
        with wave.open(io.BytesIO(piece)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
            samples += w.readframes(w.getnframes())
    assert samples == original  # nothing lost, nothing doubled
    max_bytes = audiofile.max_bytes_in_data_url("wav")
    assert len(pieces[0]) == 44 + (max_bytes - 44) // 2 * 2  # as large as the limit allows
    assert r.text == "first part. second part. third part."
    assert r._hidden_params["pieces"] == 2


async def test_mp3_over_the_limit_is_cut_on_mpeg_frames(mimo):
    frames = MP3
    audio = MP3_ID3 + frames * (8_000_000 // len(frames))
    r = await litellm.atranscription(model=ASR, file=("long.mp3", audio), api_base=mimo.url, api_key="k")
    pieces = sorted((decoded(the_audio_part(req["body"])["data"], "audio/mpeg") for req in mimo.requests),
                    key=lambda piece: piece[:3] != b"ID3")  # sent concurrently: the tagged one first
    assert len(pieces) == 2
    assert b"".join(pieces) == audio
    assert all(len(base64.b64encode(p)) + len("data:audio/mpeg;base64,") <= audiofile.MAX_DATA_URL_CHARS
               for p in pieces)
    assert pieces[0][:3] == b"ID3" and audiofile.mp3_frame_length(pieces[1][:4]) > 0  # cut on a frame
    one = "Good morning. Could you tell me what the weather will be like today?"  # the stand-in's answer
    assert r.text == f"{one} {one}"


def test_join_texts_spaces_words_but_not_chinese():
    assert transcription.join_texts(["Good morning.", "How are you?"]) == "Good morning. How are you?"
    assert transcription.join_texts(["今天天气", "很好。"]) == "今天天气很好。"
    assert transcription.join_texts(["今天", "OK", ""]) == "今天 OK"


# --- embeddings and other providers ------------------------------------------------------------


def test_embeddings_are_refused_without_a_request(mimo):
    with pytest.raises(litellm.BadRequestError, match="MiMo has no embeddings") as caught:
        litellm.embedding(model="xiaomi/mimo-v2.6-pro", input=["x"], api_base=mimo.url, api_key="k")
    assert caught.value.status_code == 400 and caught.value.type == "invalid_request_error"
    # With encoding_format (the openai client always sends it), LiteLLM refuses first, as for any
    # custom provider; the shipped proxy drops it (additional_drop_params) to say the above instead.
    with pytest.raises(litellm.UnsupportedParamsError, match="encoding_format"):
        litellm.embedding(model="xiaomi/mimo-v2.6-pro", input=["x"], encoding_format="base64",
                          api_base=mimo.url, api_key="k")
    assert mimo.requests == []


async def test_async_embeddings_are_refused_too(mimo):
    with pytest.raises(litellm.BadRequestError, match="MiMo has no embeddings"):
        await litellm.aembedding(model="xiaomi/mimo-v2.6-pro", input=["x"], api_base=mimo.url, api_key="k")
    assert mimo.requests == []


def test_other_providers_audio_goes_to_litellm(mimo):
    """openai/whisper-1 still takes LiteLLM's own path (it reaches the stand-in's 404 page)."""
    with pytest.raises(openai.NotFoundError):  # LiteLLM's own error path, not ours
        litellm.transcription(model="openai/whisper-1", file=("a.wav", WAV), api_base=mimo.url, api_key="k")
    assert mimo.requests == []  # LiteLLM's OpenAI path posted to /v1/audio/transcriptions


@pytest.mark.parametrize("tag,rate,bits,words", [
    (3, 24000, 32, "a WAV of format 3 is not PCM samples"),  # IEEE float: cutting it as PCM would garble it
    (1, 0x20000000, 64, "is not one its own header can describe"),
])
def test_a_wav_that_cannot_be_cut_is_refused_before_sending(mimo, tag, rate, bits, words):
    frame = bits // 8
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + 400, b"WAVE", b"fmt ", 16, tag, 1, rate % (1 << 32),
                         (rate * frame) % (1 << 32), frame, bits, b"data", 400)
    with pytest.raises(litellm.BadRequestError, match=words):
        transcription.plan("mimo-v2.5-asr", header + b"\x01" * 400, max_data_url_chars=200)
    assert mimo.requests == []
