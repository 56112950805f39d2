"""Security: the key never shows up (logs at every level, exception messages, proxy error bodies,
cassettes), and no request field makes the package read a server-side file or fetch a URL."""

import base64
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import litellm
import pytest

from litellm_mimo import speech
from litellm_mimo.testing import AUTH, Proxy
from mimo_standin import StandIn

SECRET = "sk-" + "Zq8LeakCanary" * 3
AUDIO = Path(__file__).parent / "fixtures" / "audio"
CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"


def every_kind_of_call(api_base: str, api_key: str) -> list[str]:
    """Successes and failures on every route; returns the text of every exception raised."""
    texts = []
    common = {"api_base": api_base, "api_key": api_key}
    calls = [
        lambda: litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "hi"}], **common),
        lambda: list(litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "hi"}],
                                        stream=True, **common)),
        lambda: litellm.speech(model="xiaomi/mimo-v2.5-tts", input="hi", voice="alloy", **common),
        lambda: litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=(AUDIO / "good-morning.mp3").read_bytes(), **common),
        lambda: litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "hi"}],
                                   extra_headers={"X-Standin-Fault": "429"}, **common),
        lambda: litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "hi"}],
                                   api_base=api_base, api_key="invalid-key"),
        lambda: litellm.speech(model="xiaomi/mimo-v2.5-tts", input="hi", voice="Zeus", **common),
        lambda: litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "hi"}],
                                   api_base="http://127.0.0.1:9/v1", api_key=api_key),
    ]
    for call in calls:
        try:
            call()
        except Exception as exc:
            texts += [str(exc), repr(exc), str(getattr(exc, "response", "") and exc.response.text)]
    return texts


def test_key_never_in_logs_or_exceptions_in_code(mimo, caplog, capsys):
    litellm._turn_on_debug()
    try:
        with caplog.at_level(logging.DEBUG):
            texts = every_kind_of_call(mimo.url, SECRET)
    finally:
        litellm.set_verbose = False
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
            logging.getLogger(name).setLevel(logging.WARNING)
    captured = capsys.readouterr()
    assert len(texts) >= 4 * 3  # the failures did fail
    assert len(caplog.text) + len(captured.out) > 10_000  # and LiteLLM's debug logging was on
    for where, text in [("logs", caplog.text), ("stdout", captured.out), ("stderr", captured.err)] + \
            [("exception", t) for t in texts]:
        assert SECRET not in text, where
        assert SECRET[:12] not in text, where  # not even a prefix


@pytest.mark.proxy
def test_key_never_in_proxy_logs_or_error_bodies():
    with StandIn() as mimo, Proxy(mimo.url, env={"XIAOMI_API_KEY": SECRET, "LITELLM_LOG": "DEBUG"}) as proxy:
        bodies = []
        mimo.queued_faults = ["401", "429", "500", "noaudio"]
        for path, kwargs in [
            ("/v1/chat/completions", {"json": {"model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": "x"}]}}),
            ("/v1/chat/completions", {"json": {"model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": "x"}],
                                               "stream": True}}),
            ("/v1/chat/completions", {"json": {"model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": "x"}]}}),
            ("/v1/audio/speech", {"json": {"model": "mimo-v2.5-tts", "input": "x", "voice": "alloy"}}),
            ("/v1/audio/speech", {"json": {"model": "mimo-v2.5-tts", "input": "x", "voice": "Zeus"}}),
            ("/v1/audio/transcriptions", {"data": {"model": "mimo-v2.5-asr"}, "files": {"file": ("a.ogg", b"OggS" + b"\0" * 40)}}),
            ("/v1/chat/completions", {"json": {"model": "mimo-v2.6-pro", "messages": [{"role": "user", "content": "ok"}]}}),
        ]:
            bodies.append(httpx.post(f"{proxy.url}{path}", headers=AUTH, timeout=30, **kwargs).text)
        log = proxy.log()
    assert any('"error"' in b for b in bodies) and len(log) > 1000  # errors happened, debug logging was on
    assert all("Traceback" not in b for b in bodies)
    for text in bodies + [log]:
        assert SECRET not in text and SECRET[:12] not in text


def test_cassettes_carry_no_credentials():
    files = list(CASSETTES.glob("*.yaml"))
    assert len(files) > 30
    for path in files:
        text = path.read_text()
        assert "authorization" not in text.lower() and "api-key" not in text.lower(), path.name
        assert "Bearer" not in text and "test-key" not in text, path.name


# --- nothing is read or fetched on a caller's say-so ------------------------------------------------


class _Counting(BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"RIFF....WAVE")

    def log_message(self, *args):
        pass


@pytest.fixture
def bait():
    """A URL on 127.0.0.1 that counts every fetch."""
    _Counting.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counting.hits
    server.shutdown()
    server.server_close()


def test_urls_and_paths_in_chat_are_passed_on_never_fetched_or_read(mimo, bait):
    url, hits = bait
    parts = [{"type": "image_url", "image_url": {"url": f"{url}/cat.png"}},
             {"type": "input_audio", "input_audio": {"data": "/etc/passwd"}},
             {"type": "input_audio", "input_audio": {"data": f"{url}/clip.wav"}}]
    litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": parts}],
                       api_base=mimo.url, api_key="k")
    assert mimo.requests[0]["body"]["messages"][0]["content"] == parts  # as sent, for MiMo to judge
    assert hits == []


@pytest.mark.parametrize("voice", ["{url}/me.wav", "/etc/passwd", "file:///etc/passwd", "~/.ssh/id_rsa"])
def test_voice_clone_urls_and_paths_are_refused_unread(mimo, bait, voice):
    url, hits = bait
    with pytest.raises(litellm.BadRequestError, match="as a data URL"):
        litellm.speech(model="xiaomi/mimo-v2.5-tts-voiceclone", input="hi", voice=voice.format(url=url),
                       api_base=mimo.url, api_key="k")
    assert hits == [] and mimo.requests == []


def test_transcription_refuses_a_path_string(mimo):
    with pytest.raises(litellm.BadRequestError, match="not str"):
        litellm.transcription(model="xiaomi/mimo-v2.5-asr", file=str(AUDIO / "good-morning.mp3"),
                              api_base=mimo.url, api_key="k")
    assert mimo.requests == []


def test_oversized_voice_sample_is_refused_before_decoding(mimo, monkeypatch):
    decoded = []
    real = base64.b64decode
    monkeypatch.setattr(speech.base64, "b64decode", lambda data, *a, **k: decoded.append(len(data)) or real(data, *a, **k))
    with pytest.raises(litellm.BadRequestError, match="at most 10,000,000"):
        litellm.speech(model="xiaomi/mimo-v2.5-tts-voiceclone", input="hi",
                       voice="data:audio/wav;base64," + "UklGR" * 2_000_001, api_base=mimo.url, api_key="k")
    assert decoded == []  # the size was checked first
