"""``litellm.speech`` / ``aspeech`` for xiaomi/ TTS models: what MiMo received and what the
caller got (cassettes/speech_*.yaml), and every rejection with no request sent (stand-in)."""

import base64
import io
import logging
import re
import textwrap
import time
import wave

import litellm
import pytest

import litellm_mimo
from litellm_mimo import audiofile, speech
from mimo_standin import text_in_pcm
from tests.conftest import AUDIO, answer, creds, readme_blocks, recorder, sent, stream_events

TTS = "xiaomi/mimo-v2.5-tts"


def recorded_audio(cassette, index: int = -1) -> bytes:
    """The audio of one recorded answer: whole, or streamed in deltas (MiMo's streaming TTS)."""
    if sent(cassette, index).get("stream"):
        return b"".join(base64.b64decode(e["choices"][0]["delta"]["audio"]["data"])
                        for e in stream_events(cassette, index) if e["choices"] and e["choices"][0]["delta"].get("audio"))
    return base64.b64decode(answer(cassette, index)["choices"][0]["message"]["audio"]["data"])


def test_wav_with_instructions_and_an_openai_voice(mimo_api):
    with recorder.use_cassette("speech_wav.yaml") as cass:
        r = litellm.speech(model=TTS, input="Hey boss, good morning!", voice="Alloy",
                           instructions="Bright, bouncy, slightly sing-song tone.", **creds(mimo_api))
    assert sent(cass) == {
        "model": "mimo-v2.5-tts",
        "messages": [{"role": "user", "content": "Bright, bouncy, slightly sing-song tone."},
                     {"role": "assistant", "content": "Hey boss, good morning!"}],
        "audio": {"format": "wav"},  # an OpenAI voice name: MiMo's default voice, by leaving voice out
    }
    assert r.content == recorded_audio(cass)
    assert r.response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
        assert w.getnframes() > 0


def test_pcm_is_mimos_pcm16(mimo_api):
    with recorder.use_cassette("speech_pcm.yaml") as cass:
        r = litellm.speech(model=TTS, input="Raw samples, please.", voice="Chloe", response_format="pcm",
                           **creds(mimo_api))
    assert sent(cass) == {"model": "mimo-v2.5-tts", "messages": [{"role": "assistant", "content": "Raw samples, please."}],
                          "audio": {"format": "pcm16", "voice": "Chloe"},
                          "stream": True, "stream_options": {"include_usage": True}}  # MiMo's own streaming TTS
    assert r.content == recorded_audio(cass)
    assert r.content[:4] != b"RIFF" and len(r.content) % 2 == 0  # headerless 16-bit samples
    assert r.response.headers["content-type"] == "audio/pcm"


def test_mp3(mimo_api):
    with recorder.use_cassette("speech_mp3.yaml") as cass:
        r = litellm.speech(model=TTS, input="Compressed, please.", voice="冰糖", response_format="mp3",
                           **creds(mimo_api))
    assert sent(cass)["audio"] == {"format": "mp3", "voice": "冰糖"}
    assert r.content == recorded_audio(cass)
    assert litellm_mimo.audiofile.sniff(r.content) == "mp3"
    assert r.response.headers["content-type"] == "audio/mpeg"


async def test_aspeech(mimo_api):
    with recorder.use_cassette("speech_async.yaml") as cass:
        r = await litellm.aspeech(model=TTS, input="Async speech.", voice="mia", **creds(mimo_api))
    assert sent(cass)["audio"] == {"format": "wav", "voice": "Mia"}  # preset names in any case
    assert r.content == recorded_audio(cass)  # readable once awaited, as LiteLLM's built-in providers' results


# --- the awaited result is whole, as LiteLLM's built-in speech providers return it ------------------

LONG = " ".join(f"Sentence {i} is here " + "and so on " * 60 + "to the end." for i in range(12))  # pieces


def wav_frames(path_or_bytes) -> tuple[int, bytes]:
    """The sample rate and samples of a WAV, read by the standard library."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    with wave.open(source) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getframerate(), w.readframes(w.getnframes())


@pytest.mark.parametrize("text", ["Async speech.", LONG], ids=["one piece", "several pieces"])
async def test_the_awaited_result_is_complete(mimo, tmp_path, text):
    r = await litellm.aspeech(model=TTS, input=text, api_base=mimo.url, api_key="k")
    assert len(mimo.requests) == len(speech.split_text(text))
    data = r.content
    assert r.read() == data
    for method in ("write_to_file", "stream_to_file"):
        getattr(r, method)(tmp_path / f"{method}.wav")
        assert (tmp_path / f"{method}.wav").read_bytes() == data
    rate, samples = wav_frames(data)  # the header is exact: wave reads every sample and no more
    assert rate == 24000 and len(samples) == len(data) - 44
    assert text_in_pcm(samples) == text
    assert r._hidden_params["response_cost"] == 0.0  # known at once: TTS is free


async def test_litellms_documented_async_usage(mimo, tmp_path, monkeypatch):
    """LiteLLM's docs: ``response = await litellm.aspeech(...)`` then ``response.stream_to_file(path)``."""
    monkeypatch.setenv("XIAOMI_API_BASE", mimo.url)
    monkeypatch.setenv("XIAOMI_API_KEY", "k")
    speech_file_path = tmp_path / "speech.mp3"
    response = await litellm.aspeech(model="xiaomi/mimo-v2.5-tts", voice="alloy", response_format="mp3",
                                     input="the quick brown fox jumped over the lazy dogs", max_retries=1, timeout=600)
    response.stream_to_file(speech_file_path)
    assert speech_file_path.read_bytes() == (AUDIO / "good-morning.mp3").read_bytes()  # the stand-in's mp3


async def test_the_readmes_speech_example_in_its_async_form(mimo, tmp_path, monkeypatch):
    (_, _, quick_start), _ = readme_blocks("readme: in-code")
    example = quick_start[quick_start.index("audio = litellm.speech("):]
    example = re.sub(r"litellm\.transcription\((.*?)\)\.text", r"(await litellm.atranscription(\1)).text",
                     example.replace("litellm.speech(", "await litellm.aspeech("))
    assert "await litellm.aspeech(" in example and "audio.write_to_file(" in example
    monkeypatch.setenv("XIAOMI_API_BASE", mimo.url)
    monkeypatch.setenv("XIAOMI_API_KEY", "k")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec("import litellm\nasync def example():\n" + textwrap.indent(example, "    "), namespace)
    await namespace["example"]()
    rate, samples = wav_frames(tmp_path / "morning.wav")
    assert text_in_pcm(samples) == "Hey boss, good morning!"
    assert [r["body"]["model"] for r in mimo.requests] == ["mimo-v2.5-tts", "mimo-v2.5-asr"]


def test_voice_design_takes_the_description_from_instructions(mimo_api, caplog):
    with caplog.at_level(logging.DEBUG, logger="litellm_mimo"):
        with recorder.use_cassette("speech_voicedesign.yaml") as cass:
            r = litellm.speech(model="xiaomi/mimo-v2.5-tts-voicedesign", input="Yes, I had a sandwich.",
                               voice="alloy", instructions="Give me a young male tone.", **creds(mimo_api))
    assert sent(cass) == {
        "model": "mimo-v2.5-tts-voicedesign",
        "messages": [{"role": "user", "content": "Give me a young male tone."},
                     {"role": "assistant", "content": "Yes, I had a sandwich."}],
        "audio": {"format": "wav"},  # the standard client's voice is not sent: MiMo allows none here
    }
    assert "not sending voice='alloy'" in caplog.text
    assert r.content == recorded_audio(cass)


def test_voice_clone_sends_the_sample_data_url(mimo_api):
    sample = litellm_mimo.audio_data_url(AUDIO / "good-morning-24k.wav")
    assert sample.startswith("data:audio/wav;base64,UklGR")
    with recorder.use_cassette("speech_voiceclone.yaml") as cass:
        r = litellm.speech(model="xiaomi/mimo-v2.5-tts-voiceclone", input="Yes, I had a sandwich.",
                           voice=sample, **creds(mimo_api))
    assert sent(cass)["audio"] == {"format": "wav", "voice": sample}
    assert sent(cass)["messages"] == [{"role": "assistant", "content": "Yes, I had a sandwich."}]
    assert r.content == recorded_audio(cass)


def test_retired_v2_tts_and_its_voices_go_to_the_successor_on_request(mimo_api, monkeypatch):
    monkeypatch.setenv("XIAOMI_UPGRADE_RETIRED", "1")
    with recorder.use_cassette("speech_v2_alias.yaml") as cass:
        litellm.speech(model="xiaomi/mimo-v2-tts", input="Old config.", voice="default_en", **creds(mimo_api))
    assert sent(cass)["model"] == "mimo-v2.5-tts"
    assert sent(cass)["audio"]["voice"] == "Mia"


def test_long_input_is_split_at_sentences_and_joined_under_one_wav_header(mimo_api):
    sentences = [f"This is sentence number {i}, which is long enough to matter for the splitter." for i in range(80)]
    text = " ".join(sentences)
    assert len(text) > 2 * speech.MAX_CHARS
    with recorder.use_cassette("speech_long.yaml") as cass:
        # One piece at a time: vcrpy records from one thread only.
        r = litellm.speech(model=TTS, input=text, voice="Dean", audio_concurrency=1, **creds(mimo_api))
        audio = r.content
    # Sent concurrently: the recording's order is not the text's. Samples streamed (pcm16), in order.
    by_text = {sent(cass, i)["messages"][-1]["content"]: i for i in range(len(cass.requests))}
    spoken = sorted(by_text, key=text.index)
    assert len(spoken) == 3
    assert all(len(piece) <= speech.MAX_CHARS for piece in spoken)
    assert all(piece.endswith(".") for piece in spoken)  # cut at sentence ends
    assert " ".join(spoken) == text
    assert all(sent(cass, i)["audio"]["format"] == "pcm16" and sent(cass, i)["stream"] for i in by_text.values())
    samples = b"".join(recorded_audio(cass, by_text[piece]) for piece in spoken)
    assert audio.count(b"RIFF") == 1
    assert audio == audiofile.wav_file(samples)  # one header, with the exact sizes, over every sample


# --- rejected before sending -------------------------------------------------------------------


@pytest.mark.parametrize("kwargs,words", [
    ({"response_format": "opus"}, "use one of: wav, mp3, pcm"),
    ({"response_format": "aac"}, "use one of: wav, mp3, pcm"),
    ({"response_format": "flac"}, "use one of: wav, mp3, pcm"),
    ({"speed": 1.5}, "describe the pace in `instructions`"),
    ({"voice": "Zeus"}, "Use one of: mimo_default, 冰糖"),
    ({"input": ""}, "input is empty"),
    ({"input": "   "}, "input is empty"),
    ({"model": "xiaomi/mimo-v2.5-tts-voicedesign", "instructions": None}, "needs `instructions`"),
    ({"model": "xiaomi/mimo-v2.5-tts-voicedesign", "instructions": "A deep voice", "voice": "Zeus"}, "takes no voice"),
    ({"model": "xiaomi/mimo-v2.5-tts-voiceclone", "voice": None}, "as a data URL"),
    ({"model": "xiaomi/mimo-v2.5-tts-voiceclone", "voice": "/etc/passwd"}, "as a data URL"),
    ({"model": "xiaomi/mimo-v2.5-tts-voiceclone", "voice": "https://example.com/me.wav"}, "as a data URL"),
    ({"model": "xiaomi/mimo-v2.5-tts-voiceclone", "voice": "data:audio/ogg;base64,T2dnUw=="}, "MiMo takes base64 wav or mp3"),
    ({"model": "xiaomi/mimo-v2.5-tts-voiceclone", "voice": "data:audio/wav;base64,@@@@"}, "not valid base64"),
    ({"model": "xiaomi/mimo-v2.5-tts-voiceclone", "voice": "data:audio/wav;base64,SUQzBAAAAAAA"}, "its bytes are not wav"),
    ({"model": "xiaomi/mimo-v2.5-tts-voiceclone", "voice": "data:audio/wav;base64," + "A" * 10_000_004}, "at most 10,000,000"),
])
def test_rejections_send_nothing(mimo, kwargs, words):
    call = {"model": TTS, "input": "Hello.", "voice": "alloy", "instructions": None, **kwargs}
    with pytest.raises(litellm.BadRequestError) as caught:
        litellm.speech(**call, api_base=mimo.url, api_key="k")
    assert words in str(caught.value)
    assert caught.value.status_code == 400 and caught.value.type == "invalid_request_error"
    assert mimo.requests == []


def test_speed_one_is_fine_and_drop_params_drops_other_speeds(mimo, caplog):
    litellm.speech(model=TTS, input="Normal pace.", speed=1.0, api_base=mimo.url, api_key="k")
    with caplog.at_level(logging.WARNING, logger="litellm_mimo"):
        litellm.speech(model=TTS, input="Fast pace.", speed=2.0, drop_params=True, api_base=mimo.url, api_key="k")
    assert all("speed" not in r["body"] for r in mimo.requests)
    assert len(mimo.requests) == 2
    assert "dropping speed=2.0" in caplog.text


@pytest.mark.parametrize("fault,words", [("noaudio", "carried no audio"), ("badaudio", "not valid base64")])
def test_unusable_audio_is_a_clear_error(mimo, fault, words):
    with pytest.raises(litellm.APIError, match=words) as caught:
        litellm.speech(model=TTS, input="Hello.", api_base=mimo.url, api_key="k", headers={"X-Standin-Fault": fault})
    assert caught.value.type == "api_error"


def test_upstream_errors_carry_an_openai_type(mimo):
    with pytest.raises(litellm.RateLimitError) as caught:
        litellm.speech(model=TTS, input="Hello.", api_base=mimo.url, api_key="k", headers={"X-Standin-Fault": "429"})
    assert caught.value.type == "throttling_error"
    with pytest.raises(litellm.BadRequestError) as caught:
        litellm.speech(model=TTS, input="Hello.", api_base=mimo.url, api_key="k", headers={"X-Standin-Fault": "400-invalid"})
    assert caught.value.type == "invalid_request_error"


def test_text_splitter_cuts_long_sentences_at_clauses_then_anywhere():
    clause = "word " * 200 + ", "
    pieces = speech.split_text(clause * 20, limit=500)
    assert all(len(p) <= 500 for p in pieces) and len(pieces) > 1
    assert speech.split_text("x" * 1200, limit=500) == ["x" * 500, "x" * 500, "x" * 200]
    assert speech.split_text("短句。" * 400, limit=300)[0].endswith("。")


# --- MiMo's own dialect through litellm.completion ---------------------------------------------


def test_completion_in_mimos_tts_dialect_keeps_message_audio(mimo_api):
    messages = [{"role": "user", "content": "Calm."}, {"role": "assistant", "content": "Good evening."}]
    with recorder.use_cassette("chat_tts_dialect.yaml") as cass:
        r = litellm.completion(model=TTS, messages=messages, audio={"format": "wav", "voice": "Milo"},
                               **creds(mimo_api))
    assert sent(cass) == {"model": "mimo-v2.5-tts", "messages": messages, "audio": {"format": "wav", "voice": "Milo"}}
    mimo_audio = answer(cass)["choices"][0]["message"]["audio"]
    assert r.choices[0].message.audio.data == mimo_audio["data"]
    assert r.choices[0].message.audio.id == mimo_audio["id"]


def test_completion_with_an_input_audio_part_is_forwarded_untouched(mimo_api):
    part = {"type": "input_audio", "input_audio": {"data": litellm_mimo.audio_data_url(AUDIO / "good-morning.mp3")}}
    messages = [{"role": "user", "content": [part]}]
    with recorder.use_cassette("chat_asr_dialect.yaml") as cass:
        r = litellm.completion(model="xiaomi/mimo-v2.5-asr", messages=messages,
                               asr_options={"language": "auto"}, **creds(mimo_api))
    assert sent(cass) == {"model": "mimo-v2.5-asr", "messages": messages, "asr_options": {"language": "auto"}}
    assert r.choices[0].message.content == answer(cass)["choices"][0]["message"]["content"]


def test_speech_runs_through_litellms_completion_path(mimo):
    """Callbacks see the MiMo call, and num_retries retries it."""
    from litellm.integrations.custom_logger import CustomLogger

    class Seen(CustomLogger):
        calls: list = []

        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            # LiteLLM logs on a background thread: an earlier test's call may land here too
            if "Retry me." in str(kwargs.get("input")):
                self.calls.append((kwargs["model"], kwargs.get("response_cost")))

    seen = Seen()
    litellm.callbacks = [seen]
    try:
        mimo.queued_faults = ["503"]
        # piece_retries=0: the package's own retry of a piece is off, so the retry is num_retries'
        r = litellm.speech(model=TTS, input="Retry me.", num_retries=1, piece_retries=0, api_base=mimo.url, api_key="k")
        for _ in range(50):  # LiteLLM logs success on a background thread
            if seen.calls:
                break
            time.sleep(0.05)
    finally:
        litellm.callbacks = []
    assert len(mimo.requests) == 2 and r.content[:4] == b"RIFF"
    assert seen.calls == [("mimo-v2.5-tts", 0.0)]  # the call, once, after its retry; TTS is free
