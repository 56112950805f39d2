"""The stand-in's server: see the package's docstring (``help(mimo_standin)``) for its manual."""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import socket
import struct
import threading
import time
import uuid
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA_DIR = Path(__file__).parent  # good-morning.mp3, the answer to mp3 TTS requests
OFFICIAL_TRANSCRIPT = "Good morning. Could you tell me what the weather will be like today?"
INVALID_KEY = "invalid-key"
CHAT_MODELS = {"mimo-v2.6-pro", "mimo-v2.6-flash", "mimo-v2.6-pro-ultraspeed", "mimo-v2.6-pro[1m]"}
TTS_VOICES = {"mimo_default", "冰糖", "茉莉", "苏打", "白桦", "Mia", "Chloe", "Milo", "Dean"}
TTS_MODELS = {"mimo-v2.5-tts", "mimo-v2.5-tts-voicedesign", "mimo-v2.5-tts-voiceclone"}
ASR_MODELS = {"mimo-v2.5-asr"}
MAX_COMPLETION_TOKENS = 131072
MAX_AUDIO_BASE64 = 10_000_000
SAMPLE_RATE = 24000
CUE = re.compile(r"\[standin:(no-tool|bad-json)(?:\*(\d+))?\]")  # refusals on cue (see the package's manual)

HTML_404 = (
    "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
    "<center><h1>404 Not Found</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n"
)


def param_error(reason: str) -> tuple[int, dict]:
    return 400, {"error": {"code": "400", "message": "Param Incorrect", "param": reason, "type": ""}}


FAULTS: dict[str, tuple[int, object]] = {
    "400-invalid": (400, {"error": {"code": "400", "message": "Invalid request parameters", "param": "", "type": "Bad Request"}}),
    "400-param": param_error("The reasoning_content in the thinking mode must be passed back to the API."),
    "400-json": (400, {"error": {"code": "400", "message": "Invalid JSON in request body"}}),
    "400-context": param_error("The input token length is too long: the context length of this model is 1048576 tokens"),
    "401": (401, {"error": {"message": "Invalid API Key", "param": "Please provide valid API Key", "code": "401", "type": "invalid_key"}}),
    "402": (402, {"type": "server_error", "message": "Upstream request failed: Insufficient account funds"}),
    "403": (403, {"error": {"code": "403", "message": "Illegal access", "type": "illegal_access"}}),
    "404": (404, HTML_404),
    "421": (400, {"error": {"code": "421", "message": "Content moderation: the input may contain sensitive content", "param": "", "type": ""}}),
    "441": (400, {"error": {"code": "441", "message": "Risk control: request rejected", "param": "", "type": ""}}),
    "429": (429, {"error": {"code": "429", "message": "Too many requests", "type": "limitation"}}),
    "500": (500, {"error": {"code": "500", "message": "Internal server error", "type": "server_error"}}),
    "503": (503, {"error": {"code": "503", "message": "Service overloaded, please retry later", "type": "server_error"}}),
}
# Faults that are not an error status: handled where the answer is built.
OTHER_FAULTS = {"reset", "keepalive", "cut", "split", "instream-error", "sse-error", "notjson", "truncated", "nochoices", "slow",
                "timeout", "noaudio", "badaudio", "emptytext"}


def _id() -> str:
    return uuid.uuid4().hex


def _words(text: str) -> list[str]:
    return re.findall(r"\S+\s*", text) or [text]


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _tokens(text: str) -> int:
    return max(1, len(text.split()))


def _schema_in_prompt(messages: list) -> dict | None:
    """A JSON Schema given in a system message after "JSON Schema:" (as MiMo would read it)."""
    for m in reversed(messages):
        text = _text_of(m.get("content")) if m.get("role") == "system" else ""
        if "JSON Schema:\n" in text:
            try:
                return json.loads(text.split("JSON Schema:\n", 1)[1])
            except ValueError:
                return None
    return None


def _value(schema: dict, root: dict, text: str) -> object:
    """A small value that follows ``schema``: what a model in JSON mode would answer."""
    if "$ref" in schema:  # "#/$defs/name"
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _value(target, root, text)
    for choice in ("anyOf", "oneOf", "allOf"):
        if schema.get(choice):
            return _value(schema[choice][0], root, text)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "object")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: _value(properties[name], root, text) for name in schema.get("required", properties)}
    if kind == "array":
        return [_value(schema.get("items") or {}, root, text)] * max(1, schema.get("minItems", 1))
    return {"string": text, "integer": 1, "number": 1.5, "boolean": True, "null": None}.get(kind, text)


def pcm_for_text(text: str) -> bytes:
    """Deterministic 24 kHz 16-bit mono samples that carry the text they were made for, so a
    test can tell which request a piece of audio belongs to: one sample per UTF-8 byte, then a
    short silence."""
    data = text.encode()
    return struct.pack(f"<{len(data)}h", *data) + b"\x00\x00" * 240


def text_in_pcm(pcm: bytes) -> str | None:
    """The inverse of ``pcm_for_text`` ("" for silence, None for real recordings)."""
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm[: len(pcm) // 2 * 2])
    out, texts = bytearray(), []
    for s in samples:
        if 0 < s < 256:
            out.append(s)
        elif s == 0:
            if out:
                texts.append(out.decode("utf-8", "replace"))
                out = bytearray()
        else:
            return None
    if out:
        texts.append(out.decode("utf-8", "replace"))
    return " ".join(texts)


def _heard(body: dict) -> str:
    """The text in the WAV of a speech-recognition request made by ``pcm_for_text`` ("" if none)."""
    for message in body.get("messages") or []:
        for part in message.get("content") if isinstance(message.get("content"), list) else []:
            data = (part.get("input_audio") or {}).get("data", "") if isinstance(part, dict) else ""
            try:
                wav = base64.b64decode(data.split(",", 1)[-1], validate=True)
            except ValueError:
                continue
            if wav[:4] == b"RIFF":
                try:
                    with wave.open(io.BytesIO(wav)) as w:
                        return text_in_pcm(w.readframes(w.getnframes())) or ""
                except (wave.Error, EOFError):
                    return ""
    return ""


def wav_bytes(pcm: bytes) -> bytes:
    """A whole 24 kHz 16-bit mono WAV file around ``pcm`` (MiMo's TTS format)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return out.getvalue()


class StandIn:
    """``with StandIn() as mimo: ... mimo.url ... mimo.requests``"""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[dict] = []
        self.stream_gate: threading.Event | None = None
        self.gate_released: bool | None = None  # did the client release stream_gate in time?
        self.queued_faults: list[str] = []  # faults for the next requests, in order
        self.retry_after: str | None = "1"  # the Retry-After header on 429 answers
        # GET {base}/models: what it lists, where (Xiaomi's docs say /v1/models; on the
        # pay-as-you-go host /models was reported to be the one that works) and how slowly.
        self.listed_models: list[str] = sorted(CHAT_MODELS - {"mimo-v2.6-pro[1m]"} | TTS_MODELS | ASR_MODELS)
        self.models_path = "/v1/models"
        self.models_delay = 0.0
        self.list_requests: list[dict] = []  # every GET, with the status it got (chat requests are in `requests`)
        # The next chat answers, in order, instead of the usual echo: {"content": "..."} or
        # {"tool_calls": [(name, arguments)]}, with {"fields": {...}} added to the message. MiMo's JSON mode with nothing scripted answers
        # {"echo": <text>}; `json_schema` is refused (the documented reading of a disputed fact).
        self.scripted: list[dict] = []
        self.json_schema_supported = False
        # Pace and shape, for the pieces of long audio: seconds each chat request takes; faults for
        # the requests whose text contains a marker ({marker: [fault, ...]}, one used per request);
        # how many deltas a streamed TTS answer's audio comes in (cut at odd byte counts); and how
        # many requests were being answered at once, at most.
        self.delay = 0.0
        self.faults_by_text: dict[str, list[str]] = {}
        self.tts_deltas = 1
        self.tts_silence = 0  # samples of silence added after a speech's text, for longer audio
        self.active = self.max_active = 0
        # When (time.monotonic()) a client hung up on a stream before its end: seen at the next write.
        self.hung_up: list[float] = []
        # Token Plan: a tp- key answers only under its region's path (/sgp/v1/...: the tests point
        # XIAOMI_TOKEN_PLAN_URL at http://127.0.0.1:<port>/{region}/v1), 401 anywhere else.
        self.token_plan_region = "sgp"
        self.cue_counts: dict[str, int] = {}  # requests seen per counted refusal cue ("no-tool*2": 3)
        self._lock = threading.Lock()
        self.server = _Server(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.server.standin = self
        self._thread: threading.Thread | None = None

    def reset(self) -> None:
        """Back to a fresh stand-in's state (its model list aside), for a stand-in shared by tests."""
        with self._lock:
            self.requests.clear()
            self.list_requests.clear()
            self.queued_faults.clear()
            self.scripted.clear()
            self.faults_by_text.clear()
            self.hung_up.clear()
            self.cue_counts.clear()
        self.json_schema_supported = False
        self.delay, self.tts_deltas, self.tts_silence, self.active, self.max_active = 0.0, 1, 0, 0, 0
        self.retry_after = "1"
        self.stream_gate, self.gate_released = None, None
        self.models_path, self.models_delay = "/v1/models", 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> "StandIn":
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "StandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def refusals(self, messages: list) -> set[str]:
        """The refusals (``no-tool``, ``bad-json``) a chat request's cues ask for: ``[standin:no-tool]``
        always, ``[standin:no-tool*2]`` for the first 2 requests carrying it since the last reset."""
        text = json.dumps(messages, ensure_ascii=False)
        refused = set()
        with self._lock:
            for kind, count in set(CUE.findall(text)):
                if not count:
                    refused.add(kind)
                    continue
                key = f"{kind}*{count}"
                self.cue_counts[key] = self.cue_counts.get(key, 0) + 1
                if self.cue_counts[key] <= int(count):
                    refused.add(kind)
        return refused

    def record(self, entry: dict) -> str:
        """Log a request; return the fault to apply to it (queued first, then one for a marker in
        its text, or in the text its audio carries (``pcm_for_text``), then the header's)."""
        text = json.dumps(entry["body"].get("messages"), ensure_ascii=False) if self.faults_by_text else ""
        if self.faults_by_text and entry["body"].get("model") in ASR_MODELS:
            entry["heard"] = _heard(entry["body"])
            text += " " + entry["heard"]
        with self._lock:
            self.requests.append(entry)
            marked = [faults for marker, faults in self.faults_by_text.items() if marker in text and faults]
            if self.queued_faults:
                entry["fault"] = self.queued_faults.pop(0)
            elif marked:
                entry["fault"] = marked[0].pop(0)
            return entry["fault"]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 resets connections under concurrent load

    def handle_error(self, request, client_address) -> None:
        """A client that goes away (a cancelled piece, a closed stream) is not the stand-in's error."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "openresty"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # Headers and body in one write, no Nagle delay (docs/litellm-internals.md, "Performance").
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args) -> None:  # quiet
        pass

    # --- plumbing -----------------------------------------------------------------------
    def _send(self, status: int, body: object, content_type: str = "application/json",
              headers: dict | None = None) -> None:
        raw = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
        if status == 404 and isinstance(body, str):
            content_type = "text/html"
        head = [f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
                f"Content-Type: {content_type}", f"Content-Length: {len(raw)}", "Connection: keep-alive"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + raw)
        self.wfile.flush()

    def _start_stream(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n")

    def _chunk(self, text: str) -> None:
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _key(self) -> str | None:
        if self.headers.get("api-key"):  # api-key wins over Authorization (docs/mimo-api.md)
            return self.headers["api-key"]
        auth = self.headers.get("Authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    def _route(self) -> tuple[str, str | None]:
        """The path without a Token Plan region's prefix, and that region."""
        path = self.path.rstrip("/")
        head, _, rest = path.lstrip("/").partition("/")
        return ("/" + rest, head) if head in ("cn", "sgp", "ams") else (path, None)

    def _key_refused(self, region: str | None) -> bool:
        key = self._key()
        if not key or key == INVALID_KEY:
            return True
        # mimo-api.md: a tp- key works only on its own region's host (what other keys get there is not documented).
        return key.startswith("tp-") and region != self.server.standin.token_plan_region

    # --- routes -------------------------------------------------------------------------
    def do_GET(self) -> None:
        standin = self.server.standin
        path, region = self._route()
        status = 404 if path != standin.models_path else 401 if self._key_refused(region) else 200
        with standin._lock:
            standin.list_requests.append({"path": self.path, "status": status, "time": time.monotonic()})
        if status == 401:
            return self._send(401, {"error": {"message": "Invalid API Key", "code": "401", "type": "invalid_key"}})
        if status == 404:
            return self._send(404, HTML_404)
        time.sleep(standin.models_delay)
        self._send(200, {"object": "list", "data": [{"id": i, "object": "model", "owned_by": "xiaomi"}
                                                    for i in standin.listed_models]})

    def do_POST(self) -> None:
        standin = self.server.standin
        with standin._lock:
            standin.active += 1
            standin.max_active = max(standin.max_active, standin.active)
        try:
            self._post()
        finally:
            with standin._lock:
                standin.active -= 1

    def _post(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        path, region = self._route()
        if path != "/v1/chat/completions":
            return self._send(404, HTML_404)
        try:
            body = json.loads(raw)
        except ValueError:
            return self._send(400, {"error": {"code": "400", "message": "Invalid JSON in request body"}})
        self.entry = {"path": self.path, "body": body, "fault": self.headers.get("X-Standin-Fault", ""),
                      "peer": self.client_address, "time": time.monotonic(),
                      "headers": {k.lower(): v for k, v in self.headers.items() if k.lower() not in ("authorization", "api-key")}}
        fault = self.server.standin.record(self.entry)
        if self._key_refused(region):
            return self._send(401, json.dumps({"error": {"message": "Invalid API Key", "param": "Please provide valid API Key",
                                                         "code": "401", "type": "invalid_key"}}, indent=2))
        if fault == "reset":  # MiMo unreachable mid-way: the connection closes with no answer
            self.close_connection = True
            return
        if fault == "timeout":
            time.sleep(float(self.headers.get("X-Standin-Delay", "5")))
        if fault in FAULTS:
            status, payload = FAULTS[fault]
            retry_after = self.server.standin.retry_after
            headers = {"Retry-After": retry_after} if status == 429 and retry_after else None
            return self._send(status, payload, headers=headers)
        time.sleep(self.server.standin.delay)
        model = body.get("model")
        stream = bool(body.get("stream"))
        if fault == "sse-error" and stream:
            status, payload = param_error("stream request rejected")
            return self._send(status, "data:" + json.dumps(payload), content_type="text/event-stream")
        if model in TTS_MODELS:
            return self._answer(*self._tts(body), body, fault)
        if model in ASR_MODELS:
            return self._answer(*self._asr(body), body, fault)
        if model not in CHAT_MODELS | set(self.server.standin.listed_models):
            return self._send(400, {"error": {"code": "400", "message": f"Unsupported model {model}"}})
        return self._answer(*self._chat(body), body, fault)

    # --- models -------------------------------------------------------------------------
    def _chat(self, body: dict):
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        if isinstance(limit, int) and limit > MAX_COMPLETION_TOKENS:
            return param_error(
                f"max_completion_tokens is too large: {limit}. This model supports at most "
                f"{MAX_COMPLETION_TOKENS} completion tokens, whereas you provided {limit}.")
        response_format = (body.get("response_format") or {}).get("type", "text")
        if response_format not in ("text", "json_object") and not (response_format == "json_schema"
                                                                   and self.server.standin.json_schema_supported):
            return param_error(f"response_format type {response_format} is not supported; use text or json_object")
        messages = body.get("messages") or []
        thinking = (body.get("thinking") or {}).get("type", "enabled") != "disabled"
        if body.get("reasoning_effort") == "none":
            thinking = False
        if thinking:
            for m in messages:
                if m.get("role") == "assistant" and m.get("tool_calls") and not m.get("reasoning_content"):
                    return param_error("The reasoning_content in the thinking mode must be passed back to the API.")
        last = messages[-1] if messages else {}
        text = _text_of(last.get("content"))
        tools = [t for t in body.get("tools") or [] if t.get("type") == "function"]
        message: dict = {"content": "", "role": "assistant", "tool_calls": None}
        refused = self.server.standin.refusals(messages)
        with self.server.standin._lock:
            script = self.server.standin.scripted.pop(0) if self.server.standin.scripted else None
        if script is not None:
            message["content"] = script.get("content") or ""
            message["tool_calls"] = [{"id": f"call_{_id()[:24]}", "type": "function",
                                      "function": {"name": name, "arguments": arguments}}
                                     for name, arguments in script.get("tool_calls", [])] or None
            finish = "tool_calls" if message["tool_calls"] else "stop"
            message.update(script.get("fields", {}))
        elif tools and last.get("role") == "user" and "no-tool" in refused:
            message["content"] = f"I will answer without a tool. Echo: {text}"
            finish = "stop"
        elif tools and last.get("role") == "user":
            calls = []
            for tool in tools[:2]:  # parallel calls occur
                fn = tool["function"]
                parameters = fn.get("parameters") or {"type": "object", "properties": {}}
                arguments = _value(parameters, parameters, text)
                calls.append({"id": f"call_{_id()[:24]}", "type": "function",
                              "function": {"name": fn["name"], "arguments": json.dumps(arguments, ensure_ascii=False)}})
            message["tool_calls"] = calls
            finish = "tool_calls"
        elif last.get("role") == "tool":
            message["content"] = f"The tool said: {_text_of(last.get('content'))}"
            finish = "stop"
        elif response_format in ("json_object", "json_schema") and "bad-json" in refused:
            message["content"] = f"Sure! In words rather than JSON: {text}"
            finish = "stop"
        elif response_format == "json_object":
            schema = _schema_in_prompt(messages)
            message["content"] = json.dumps(_value(schema, schema, text) if schema else {"echo": text})
            finish = "stop"
        elif response_format == "json_schema":
            schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema") or {}
            message["content"] = json.dumps(_value(schema, schema, text), ensure_ascii=False)
            finish = "stop"
        else:
            message["content"] = f"Echo: {text}"
            finish = "stop"
        if isinstance(limit, int) and message["content"] and _tokens(message["content"]) > limit:
            message["content"] = " ".join(message["content"].split()[:limit])  # cut, as MiMo cuts at the limit
            finish = "length"
        if thinking:
            message["reasoning_content"] = f"The user said {text!r}; I will answer."
        prompt = sum(_tokens(_text_of(m.get("content"))) for m in messages) + 10
        system = next((_text_of(m.get("content")) for m in messages if m.get("role") in ("system", "developer")), "")
        details = {"cached_tokens": _tokens(system)} if _tokens(system) >= 20 else {}
        reasoning = _tokens(message.get("reasoning_content", "")) if thinking else 0
        completion = _tokens(message["content"] or json.dumps(message["tool_calls"])) + reasoning
        usage = {"completion_tokens": completion, "prompt_tokens": prompt, "total_tokens": prompt + completion,
                 "completion_tokens_details": {"reasoning_tokens": reasoning}, "prompt_tokens_details": details}
        return 200, (message, finish, usage)

    def _tts(self, body: dict):
        model, messages, audio = body["model"], body.get("messages") or [], body.get("audio") or {}
        for field in ("thinking", "tools", "tool_choice", "stop", "response_format"):
            if field in body:
                return param_error(f"{field} is not supported by TTS models")
        spoken = [m for m in messages if m.get("role") == "assistant"]
        if not spoken and not audio.get("optimize_text_preview"):
            return param_error("messages must contain an assistant role for TTS model")
        voice = audio.get("voice")
        instructions = next((_text_of(m.get("content")) for m in messages if m.get("role") == "user"), "")
        if model == "mimo-v2.5-tts" and voice is not None and voice not in TTS_VOICES:
            return param_error(f"Invalid voice: {voice}")
        if model == "mimo-v2.5-tts-voicedesign":
            if voice is not None:
                return param_error("voice is not supported for voice design")
            if not instructions:
                return param_error("voice design requires a user message describing the voice")
        if model == "mimo-v2.5-tts-voiceclone":
            if not isinstance(voice, str) or not re.match(r"data:audio/(wav|mpeg|mp3);base64,", voice):
                return param_error("voice clone requires voice as a data URL of a wav or mp3 sample")
            if len(voice.split(",", 1)[1]) > MAX_AUDIO_BASE64:
                return param_error("voice sample is larger than 10MB")
        fmt = audio.get("format", "wav")
        text = _text_of(spoken[-1].get("content")) if spoken else instructions
        pcm = pcm_for_text(text) + b"\x00\x00" * self.server.standin.tts_silence
        if fmt == "wav":
            data = wav_bytes(pcm)
        elif fmt in ("pcm", "pcm16"):
            data = pcm
        elif fmt == "mp3":
            data = (DATA_DIR / "good-morning.mp3").read_bytes()
        else:
            return param_error(f"Unsupported audio format: {fmt}")
        message = {"content": "", "role": "assistant", "tool_calls": None,
                   "audio": {"id": _id(), "data": base64.b64encode(data).decode(), "expires_at": None, "transcript": None}}
        prompt = _tokens(text) + _tokens(instructions) + 5
        usage = {"completion_tokens": len(pcm) // 960 + 1, "prompt_tokens": prompt,
                 "total_tokens": prompt + len(pcm) // 960 + 1,
                 "completion_tokens_details": {"reasoning_tokens": 0}, "prompt_tokens_details": {}}
        return 200, (message, "stop", usage)

    def _asr(self, body: dict):
        messages = body.get("messages") or []
        parts = [p for m in messages if m.get("role") == "user" and isinstance(m.get("content"), list)
                 for p in m["content"] if isinstance(p, dict) and p.get("type") == "input_audio"]
        if len(parts) != 1:
            return param_error("ASR request requires a user message with input_audio content")
        audio = parts[0].get("input_audio") or {}
        data = audio.get("data") or ""
        match = re.match(r"data:audio/(wav|mpeg|mp3);base64,", data)
        if match:
            payload = data[match.end():]
        elif data.startswith("data:"):
            return param_error("Unsupported audio format, only wav and mp3 are supported")
        elif audio.get("format") in ("wav", "mp3"):
            payload = data
        else:
            return param_error("format is required when data is not a data URL")
        if len(payload) > MAX_AUDIO_BASE64:
            return param_error("audio data exceeds the 10MB limit")
        language = (body.get("asr_options") or {}).get("language", "auto")
        if language not in ("auto", "zh", "en"):
            return param_error(f"Unsupported language: {language}")
        try:
            raw = base64.b64decode(payload, validate=True)
        except ValueError:
            return param_error("audio data is not valid base64")
        seconds, transcript = 4, OFFICIAL_TRANSCRIPT
        if raw[:4] == b"RIFF":
            with wave.open(io.BytesIO(raw)) as w:
                frames = w.readframes(w.getnframes())
                seconds = max(1, round(w.getnframes() / w.getframerate()))
            found = text_in_pcm(frames)
            transcript = OFFICIAL_TRANSCRIPT if found is None else found
        message = {"content": transcript, "role": "assistant", "audio": None, "tool_calls": None, "audio_tokens": []}
        usage = {"completion_tokens": _tokens(transcript), "prompt_tokens": 6 * seconds + 22,
                 "total_tokens": _tokens(transcript) + 6 * seconds + 22,
                 "completion_tokens_details": {"reasoning_tokens": 0},
                 "prompt_tokens_details": {"audio_tokens": 6 * seconds, "cached_tokens": 0}, "seconds": seconds}
        return 200, (message, "stop", usage)

    # --- answers ------------------------------------------------------------------------
    def _answer(self, status: int, result, body: dict, fault: str) -> None:
        if status != 200:
            return self._send(status, result)
        message, finish, usage = result
        self.entry["usage"] = usage  # what MiMo counted, for the tests
        if fault == "noaudio" and message.get("audio"):
            message = {**message, "audio": None}
        if fault == "badaudio" and message.get("audio"):
            message = {**message, "audio": {**message["audio"], "data": "%%% not base64 %%%"}}
        if fault == "emptytext":
            message = {**message, "content": ""}
        if fault == "notjson":
            return self._send(200, "<html><body>Bad gateway</body></html>", content_type="text/html")
        if fault == "truncated":
            return self._send(200, '{"id": "truncated', content_type="application/json")
        if fault == "nochoices":
            return self._send(200, {"id": _id(), "object": "chat.completion", "created": int(time.time()),
                                    "model": body["model"], "usage": usage})
        if body.get("stream"):
            return self._stream(message, finish, usage, body, fault)
        self._send(200, {"id": _id(), "choices": [{"finish_reason": finish, "index": 0, "message": message}],
                         "created": int(time.time()), "model": body["model"], "object": "chat.completion",
                         "usage": usage})

    def _stream(self, message: dict, finish: str, usage: dict, body: dict, fault: str) -> None:
        cid, created, model = _id(), int(time.time()), body["model"]

        def event(delta: dict, finish_reason=None, **extra) -> str:
            full = {"content": None, "role": None, "tool_calls": None, "reasoning_content": None, **delta}
            return "data: " + json.dumps({"id": cid, "choices": [{"delta": full, "finish_reason": finish_reason, "index": 0}],
                                          "created": created, "model": model, "object": "chat.completion.chunk", **extra},
                                         ensure_ascii=False) + "\n\n"

        events = [event({"content": "", "role": "assistant"})]
        for piece in _words(message.get("reasoning_content") or ""):
            if message.get("reasoning_content"):
                events.append(event({"reasoning_content": piece}))
        if message.get("audio"):
            audio = base64.b64decode(message["audio"]["data"])
            count = self.server.standin.tts_deltas
            cuts = [0, *(min(len(audio), i * (len(audio) // count) | 1) for i in range(1, count)), len(audio)]
            for start, end in zip(cuts, cuts[1:]):  # odd cuts: a 16-bit sample split across deltas
                events.append(event({"audio": {"id": message["audio"]["id"],
                                               "data": base64.b64encode(audio[start:end]).decode()}}))
        for i, call in enumerate(message.get("tool_calls") or []):
            args = call["function"]["arguments"]
            half = len(args) // 2
            events.append(event({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                                 "function": {"name": call["function"]["name"], "arguments": args[:half]}}]}))
            events.append(event({"tool_calls": [{"index": i, "id": None, "type": "function",
                                                 "function": {"name": None, "arguments": args[half:]}}]}))
        content_start = len(events)
        for piece in _words(message.get("content") or ""):
            if message.get("content"):
                events.append(event({"content": piece}))
        events.append(event({}, finish, usage=None))
        events.append("data: " + json.dumps({"id": cid, "choices": [], "created": created, "model": model,
                                             "object": "chat.completion.chunk", "usage": usage}) + "\n\n")
        events.append("data: [DONE]\n\n")
        if fault == "instream-error":
            events[content_start:] = ["data: " + json.dumps({"error": {"code": "500", "message": "Internal error during generation",
                                                                      "type": "server_error"}}) + "\n\n"]
        if fault == "cut":
            events = events[: content_start + 1]
        try:
            self._write_events(events, fault, content_start)
        except ConnectionError:
            with self.server.standin._lock:
                self.server.standin.hung_up.append(time.monotonic())
            self.close_connection = True

    def _write_events(self, events: list[str], fault: str | None, content_start: int) -> None:
        self._start_stream()
        if fault == "keepalive":
            self._chunk(": PROCESSING\n\n")
        gate = self.server.standin.stream_gate
        for i, text in enumerate(events):
            if fault == "split":
                for piece in (text[:7], text[7:]):
                    self._chunk(piece)
            else:
                self._chunk(text)
            if gate is not None and i == content_start:
                # The test releases the rest once it has seen this chunk: a client that
                # buffers the stream never does, and the wait times out.
                self.server.standin.gate_released = gate.wait(5)
            if fault == "slow":
                time.sleep(0.05)
        self._end_stream()


def main(argv: list[str] | None = None, prog: str | None = None) -> None:
    parser = argparse.ArgumentParser(prog=prog, description="Run the MiMo stand-in on 127.0.0.1 and print its base URL; "
                                                            "it serves until stopped (Ctrl-C).")
    parser.add_argument("--port", type=int, default=8999, help="the port to listen on (default 8999; 0 picks a free one)")
    args = parser.parse_args(argv)
    standin = StandIn(args.port)
    print(f"MiMo stand-in on {standin.url}  (any API key but {INVALID_KEY!r} is accepted)", flush=True)
    try:
        standin.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        standin.server.server_close()
