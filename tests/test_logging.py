"""What LiteLLM's logging sees of a speech or transcription: its own call type (`speech`,
`aspeech`, `transcription`, `atranscription`, as with LiteLLM's built-in audio providers, where
observability integrations group by it), one event per MiMo request (per piece), whose costs add
up to the call's cost exactly once."""

import io
import json
import os
import subprocess
import sys
import time
import wave

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger

from litellm_mimo import speech

TTS, ASR = "xiaomi/mimo-v2.5-tts", "xiaomi/mimo-v2.5-asr"
LONG = " ".join(f"Sentence {i} is here " + "and so on " * 60 + "to the end." for i in range(12))  # pieces


class Events(CustomLogger):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list = []

    def log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._note(kwargs)

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._note(kwargs)

    def _note(self, kwargs) -> None:
        logged = kwargs["standard_logging_object"]
        self.seen.append((kwargs["call_type"], logged["call_type"], logged["response_cost"]))

    def wait_for(self, count: int) -> list:
        for _ in range(100):  # LiteLLM logs on a background thread / task
            if len(self.seen) >= count:
                break
            time.sleep(0.05)
        return self.seen


@pytest.fixture
def events():
    """A callback that sees only the calls of its test: LiteLLM copies `litellm.callbacks` into lists
    of its own on first use, where an earlier test's callback would stay."""
    events = Events()
    litellm.logging_callback_manager._reset_all_callbacks()
    litellm.callbacks = [events]
    yield events
    litellm.logging_callback_manager._reset_all_callbacks()


def wav(mimo, text: str) -> bytes:
    return litellm.speech(model=TTS, input=text, api_base=mimo.url, api_key="k").content


def test_sync_speech_and_transcription_are_logged_as_such(mimo, events):
    audio = wav(mimo, "Hello there.")
    events.wait_for(1)
    r = litellm.transcription(model=ASR, file=("a.wav", audio), api_base=mimo.url, api_key="k")
    seen = events.wait_for(2)
    assert [(call, logged) for call, logged, _ in seen] == [("speech", "speech"), ("transcription", "transcription")]
    assert seen[0][2] == 0.0 and seen[1][2] == pytest.approx(r._hidden_params["response_cost"]) and seen[1][2] > 0


ASYNC_CALLS = """
import asyncio, json, sys
import litellm, litellm_mimo
from litellm.integrations.custom_logger import CustomLogger

seen = []

class Events(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        seen.append([kwargs["call_type"], kwargs["standard_logging_object"]["call_type"]])

async def main(base):
    litellm.callbacks = [Events()]
    audio = (await litellm.aspeech(model="xiaomi/mimo-v2.5-tts", input="Hello.", api_base=base, api_key="k")).content
    await litellm.atranscription(model="xiaomi/mimo-v2.5-asr", file=("a.wav", audio), api_base=base, api_key="k")
    for _ in range(100):
        if len(seen) >= 2:
            break
        await asyncio.sleep(0.05)

asyncio.run(main(sys.argv[1]))
print(json.dumps(seen))
"""


def test_async_calls_are_logged_as_async_ones(mimo):
    """In a fresh interpreter: LiteLLM's async logging runs on a worker bound to the event loop it
    first met, which the test suite's many loops make unreliable to observe in-process."""
    done = subprocess.run([sys.executable, "-c", ASYNC_CALLS, mimo.url], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [["aspeech", "aspeech"],
                                                               ["atranscription", "atranscription"]]


def test_a_call_of_several_pieces_logs_one_event_per_piece_and_its_cost_once(mimo, events):
    wav(mimo, LONG)
    assert len(mimo.requests) == len(speech.split_text(LONG)) > 1
    assert [call for call, _, _ in events.wait_for(len(mimo.requests))] == ["speech"] * len(mimo.requests)
    events.seen.clear()
    mimo.requests.clear()
    big = io.BytesIO()  # 9.6 MB of 24 kHz samples: over MiMo's 10 MB data URL once in base64
    with wave.open(big, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(24000)
        w.writeframes(b"\x01\x00" * 4_800_000)
    r = litellm.transcription(model=ASR, file=("long.wav", big.getvalue()), api_base=mimo.url, api_key="k",
                              max_transcription_mb=100)
    pieces = len(mimo.requests)
    assert pieces == r._hidden_params["pieces"] > 1
    seen = events.wait_for(pieces)
    assert [call for call, _, _ in seen] == ["transcription"] * pieces
    assert sum(cost for _, _, cost in seen) == pytest.approx(r._hidden_params["response_cost"])
    assert r._hidden_params["response_cost"] > 0


def test_a_chat_call_is_still_a_chat_call(mimo, events):
    litellm.completion(model="xiaomi/mimo-v2.6-flash", messages=[{"role": "user", "content": "Hi"}],
                       api_base=mimo.url, api_key="k")
    assert [call for call, _, _ in events.wait_for(1)] == ["completion"]
