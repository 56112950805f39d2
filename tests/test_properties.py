"""Property-based tests (hypothesis): any valid OpenAI-style chat request keeps every field on its
way to MiMo and is accepted by the stand-in; any response or stream built from MiMo's schema comes
back without losing reasoning, tool calls, audio or usage; arbitrary bytes never crash a parser."""

import base64
import io
import json
import string
import wave

import httpx
import litellm
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from litellm_mimo import chat, errors, speech, transcription
from litellm.types.utils import ModelResponseStream

from litellm_mimo.provider import Call
from mimo_standin import StandIn

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

text = st.text(alphabet=string.ascii_letters + string.digits + " .,!?-_'\"中文", min_size=1, max_size=40)
call_ids = st.from_regex(r"call_[0-9a-f]{24}", fullmatch=True)
json_args = st.dictionaries(st.sampled_from(["city", "q", "n"]), text, max_size=2).map(json.dumps)

tool_call = st.builds(lambda i, name, args: {"id": i, "type": "function", "function": {"name": name, "arguments": args}},
                      call_ids, st.sampled_from(["get_weather", "search"]), json_args)
content_part = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, text),
    st.builds(lambda u: {"type": "image_url", "image_url": {"url": u}},
              st.sampled_from(["data:image/png;base64,iVBORw0KGgo=", "https://example.com/cat.png"])),
    st.just({"type": "input_audio", "input_audio": {"data": "data:audio/wav;base64,UklGRgAAAABXQVZF"}}),
)
user_message = st.builds(lambda c: {"role": "user", "content": c}, st.one_of(text, st.lists(content_part, min_size=1, max_size=3)))
system_message = st.builds(lambda role, c: {"role": role, "content": c}, st.sampled_from(["system", "developer"]), text)
assistant_message = st.one_of(
    st.builds(lambda c: {"role": "assistant", "content": c}, text),
    # thinking mode's replay rule: an assistant turn with tool calls keeps its reasoning_content
    st.builds(lambda calls, r: {"role": "assistant", "content": "", "tool_calls": calls, "reasoning_content": r},
              st.lists(tool_call, min_size=1, max_size=2), text),
)
history = st.builds(lambda system, turns, last: ([system] if system else []) + [m for pair in turns for m in pair] + [last],
                    st.one_of(st.none(), system_message),
                    st.lists(st.tuples(user_message, assistant_message), max_size=3), user_message)
function_tool = st.builds(lambda name: {"type": "function", "function": {"name": name, "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}, st.sampled_from(["get_weather", "search"]))
options = st.fixed_dictionaries({}, optional={
    "temperature": st.floats(0, 1.5), "top_p": st.floats(0.01, 1), "presence_penalty": st.floats(-2, 2),
    "frequency_penalty": st.floats(-2, 2), "max_completion_tokens": st.integers(1, 131072),
    "stop": st.lists(text, min_size=1, max_size=4), "response_format": st.sampled_from([{"type": "text"}, {"type": "json_object"}]),
    "tools": st.lists(st.one_of(function_tool, st.just({"type": "web_search"})), min_size=1, max_size=2),
    "tool_choice": st.sampled_from(["auto", "none", "required"]),
    "thinking": st.sampled_from([{"type": "enabled"}, {"type": "disabled"}]),
    "reasoning_effort": st.sampled_from(["low", "medium", "high"]),
    "user": text, "seed": st.integers(0, 2**31), "x_future_field": st.dictionaries(text, text, max_size=2),
})


@pytest.fixture(scope="module")
def mimo():
    with StandIn() as mimo:
        yield mimo


@SETTINGS
@given(messages=history, params=options)
def test_any_chat_request_keeps_every_field_and_is_accepted(mimo, messages, params):
    mimo.requests.clear()
    # tool_choice as sent: the forced-tool bridge rewrites it (test_structured.py), "native" does not
    r = litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=messages, api_base=mimo.url, api_key="k",
                           structured_outputs="native", **params)
    body = mimo.requests[0]["body"]
    assert "structured_outputs" not in body
    assert body["messages"] == messages
    expected = dict(params)
    if params.get("thinking") == {"type": "disabled"}:
        expected.pop("reasoning_effort", None)  # an explicit thinking wins (with a warning)
    for key, value in expected.items():
        assert body[key] == value, key
    assert r.choices[0].finish_reason in ("stop", "tool_calls", "length")


usage = st.builds(lambda p, c, r, cached: {"prompt_tokens": p, "completion_tokens": c + r, "total_tokens": p + c + r,
                                           "completion_tokens_details": {"reasoning_tokens": r},
                                           "prompt_tokens_details": {"cached_tokens": cached} if cached else {}},
                  st.integers(1, 10**6), st.integers(0, 10**5), st.integers(0, 10**5), st.integers(0, 1000))
mimo_message = st.builds(
    lambda content, reasoning, calls, audio: {k: v for k, v in {
        "role": "assistant", "content": content, "reasoning_content": reasoning, "tool_calls": calls or None,
        "audio": audio}.items() if v is not None or k in ("tool_calls",)},
    text, st.one_of(st.none(), text), st.lists(tool_call, max_size=2),
    st.one_of(st.none(), st.builds(lambda b: {"id": "a1", "data": base64.b64encode(b).decode(), "expires_at": None,
                                              "transcript": None}, st.binary(min_size=2, max_size=64))),
)


@SETTINGS
@given(message=mimo_message, counts=usage, finish=st.sampled_from(["stop", "length", "tool_calls", "content_filter",
                                                                    "repetition_truncation"]))
def test_any_mimo_response_translates_back_without_loss(message, counts, finish):
    data = {"id": "2b92b0964c9b4335bffad7c2f75cfe9e", "object": "chat.completion", "created": 1781233054,
            "model": "mimo-v2.6-pro", "usage": counts, "choices": [{"index": 0, "finish_reason": finish, "message": message}]}
    r = chat.parse_response(data, litellm.ModelResponse(), model="mimo-v2.6-pro")
    got = r.choices[0].message
    assert got.content == message["content"]
    assert getattr(got, "reasoning_content", None) == message.get("reasoning_content")
    assert [tc.model_dump() for tc in got.tool_calls or []] == [
        {"id": c["id"], "type": "function", "function": c["function"]} for c in message["tool_calls"] or []]
    if message.get("audio"):
        assert got.audio.data == message["audio"]["data"]
    assert (r.usage.prompt_tokens, r.usage.completion_tokens) == (counts["prompt_tokens"], counts["completion_tokens"])
    assert r.usage.completion_tokens_details.reasoning_tokens == counts["completion_tokens_details"]["reasoning_tokens"]
    assert finish in (r.choices[0].finish_reason, (got.provider_specific_fields or {}).get("finish_reason"))


@SETTINGS
@given(reasoning=st.lists(text, max_size=4), content=st.lists(text, max_size=4),
       calls=st.lists(tool_call, max_size=2), counts=usage, cut=st.integers(1, 30))
def test_any_mimo_stream_translates_back_without_loss(reasoning, content, calls, counts, cut):
    head = {"id": "4e57d676fe464c09aa2f27fa652abc40", "created": 1781234029, "model": "mimo-v2.6-pro",
            "object": "chat.completion.chunk"}

    def event(delta, finish=None, **extra):
        full = {"content": None, "role": None, "tool_calls": None, "reasoning_content": None, **delta}
        return {**head, "choices": [{"delta": full, "finish_reason": finish, "index": 0}], **extra}

    events = [event({"content": "", "role": "assistant"})]
    events += [event({"reasoning_content": r}) for r in reasoning]
    for i, c in enumerate(calls):
        args = c["function"]["arguments"]
        events.append(event({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                                             "function": {"name": c["function"]["name"], "arguments": args[:cut]}}]}))
        events.append(event({"tool_calls": [{"index": i, "id": None, "type": "function",
                                             "function": {"name": None, "arguments": args[cut:]}}]}))
    events += [event({"content": c}) for c in content]
    events += [event({}, "tool_calls" if calls else "stop", usage=None), {**head, "choices": [], "usage": counts}]
    wire = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    client = httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=wire.encode())))
    chunks = list(litellm.completion(model="xiaomi/mimo-v2.6-pro", messages=[{"role": "user", "content": "x"}],
                                     stream=True, stream_options={"include_usage": True}, api_key="k", client=client))
    built = litellm.stream_chunk_builder(chunks)
    message = built.choices[0].message
    assert (message.content or "") == "".join(content)
    assert (getattr(message, "reasoning_content", None) or "") == "".join(reasoning)
    assert [(tc.id, tc.function.name, tc.function.arguments) for tc in message.tool_calls or []] == [
        (c["id"], c["function"]["name"], c["function"]["arguments"]) for c in calls]
    assert (built.usage.prompt_tokens, built.usage.completion_tokens) == (counts["prompt_tokens"], counts["completion_tokens"])


# --- arbitrary bytes never crash a parser --------------------------------------------------------

LITELLM_ERRORS = (openai.OpenAIError,)  # every LiteLLM exception derives from the openai SDK's


@settings(max_examples=200, deadline=None)
@given(status=st.sampled_from([200, 400, 401, 402, 403, 404, 429, 500, 503]), body=st.one_of(
    st.binary(max_size=300), st.sampled_from([b"{}", b'{"choices": []}', b'{"choices": 3}', b'{"choices": [{"index": 0, '
                                               b'"finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}]}'])))
def test_arbitrary_upstream_bodies_give_clean_errors(status, body):
    call = Call("mimo-v2.6-pro", [{"role": "user", "content": "x"}], "http://127.0.0.1:9/v1", "secret-key", {}, None, None, None)
    if status >= 400:
        error = call.error(httpx.Response(status), body)
        assert isinstance(error, LITELLM_ERRORS) and error.status_code == status
        reason, _ = errors.parse_error_body(body.decode("utf-8", "replace"))
        assert 0 < len(reason) <= 500
        return
    try:
        response = call.parse(body, litellm.ModelResponse())
    except LITELLM_ERRORS as exc:
        assert "MiMo" in str(exc)
    else:  # an answer only from a JSON body with choices, and they are the body's
        choices = json.loads(body)["choices"]
        assert [c.message.content for c in response.choices] == [c["message"]["content"] for c in choices] != []


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.one_of(st.text(max_size=80), st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
                                st.sampled_from(["data: [DONE]", ": PROCESSING", "", "data: {}", 'data: {"choices": 3}',
                                                 'data:{"error": {"code": "429"}}'])), max_size=12))
def test_arbitrary_stream_lines_give_chunks_or_clean_errors(lines):
    translator = chat.StreamTranslator(model="m")
    chunks = []
    try:
        for line in lines:
            chunks += translator.feed_line(line)
            if translator.done:
                break
        chunks += translator.close()
    except LITELLM_ERRORS as exc:
        assert "MiMo" in str(exc)
    else:  # a stream that ends without error ended properly: [DONE], or a finish_reason
        assert translator.done or any(c.choices and c.choices[0].finish_reason for c in chunks)
    assert all(isinstance(c, ModelResponseStream) for c in chunks)


def wav_file(frames: bytes, channels: int, width: int) -> bytes:
    """A real WAV file of whole frames, written by the standard library."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels), w.setsampwidth(width), w.setframerate(24000)
        w.writeframes(frames[:len(frames) - len(frames) % (channels * width)])
    return out.getvalue()


def wav_format_and_frames(data: bytes) -> tuple[tuple[int, int, int], bytes]:
    with wave.open(io.BytesIO(data)) as w:
        return (w.getnchannels(), w.getsampwidth(), w.getframerate()), w.readframes(w.getnframes())


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(st.binary(max_size=400),
                      st.binary(max_size=200).map(lambda b: b"RIFF\x00\x00\x00\x00WAVE" + b),
                      st.binary(max_size=200).map(lambda b: b"ID3\x03\x00\x00\x00\x00\x00\x10" + b),
                      st.binary(max_size=200).map(lambda b: b"\xff\xf3" + b),
                      st.builds(wav_file, st.binary(max_size=600), st.sampled_from([1, 2]), st.sampled_from([1, 2, 3])),
                      st.builds(wav_file, st.binary(min_size=100, max_size=600), st.sampled_from([1, 2]),
                                st.sampled_from([1, 2, 3]))))  # over 200 characters as a data URL: in pieces
def test_arbitrary_audio_files_are_accepted_or_refused_cleanly(data):
    try:
        plan = transcription.plan("mimo-v2.5-asr", data, max_data_url_chars=200)
    except litellm.BadRequestError as exc:
        assert exc.type == "invalid_request_error"
        return
    urls = [transcription.chat_kwargs(plan, piece)["messages"][0]["content"][0]["input_audio"]["data"]
            for piece in plan.pieces]
    assert all(len(url) <= 200 for url in urls)  # every piece within the limit
    pieces = [b"".join(bytes(b) for b in piece) for piece in plan.pieces]
    if plan.kind == "mp3":
        assert b"".join(pieces) == data  # as sent, or cut on its frames: nothing lost, added or moved
    elif pieces != [data]:  # cut: each piece a whole WAV file (read by the standard library) in the
        # file's format, with its samples in order
        pieces_read = [wav_format_and_frames(p) for p in pieces]
        try:
            params, frames = wav_format_and_frames(data)
        except (wave.Error, EOFError):  # a header the package reads more leniently (its sizes, its format tag)
            return
        assert all(p == params for p, _ in pieces_read) and b"".join(f for _, f in pieces_read) == frames


@settings(max_examples=200, deadline=None)
@given(voice=st.one_of(
    st.text(max_size=60),
    st.builds(lambda name, case, pad: pad + case(name) + pad, st.sampled_from([*speech.PRESET_VOICES, *speech.OPENAI_VOICES]),
              st.sampled_from([str, str.upper, str.title]), st.sampled_from(["", " "])),
    st.binary(max_size=60).map(lambda b: "data:audio/wav;base64," + base64.b64encode(b).decode()),
    st.binary(max_size=60).map(lambda b: "data:audio/wav;base64," + base64.b64encode(b"RIFF\0\0\0\0WAVE" + b).decode())))
def test_arbitrary_voices_are_accepted_or_refused_cleanly(voice):
    presets = {v.lower(): v for v in speech.PRESET_VOICES}
    for model in ("mimo-v2.5-tts", "mimo-v2.5-tts-voicedesign", "mimo-v2.5-tts-voiceclone"):
        try:
            plan = speech.plan(model, "Hello.", voice=voice, instructions="A calm voice.")
        except litellm.BadRequestError as exc:
            assert exc.type == "invalid_request_error"
            continue
        sent = plan.audio.get("voice")
        if model.endswith("-voiceclone"):  # a data URL whose bytes are the wav it names, sent as given
            sample = base64.b64decode(voice.partition(",")[2])
            assert sent == voice and sample[:4] == b"RIFF" and sample[8:12] == b"WAVE"
            continue
        name = voice.strip().lower()  # a preset's or OpenAI's name, in any case
        assert name in presets or name in speech.OPENAI_VOICES
        if model.endswith("-voicedesign") or name not in presets:
            assert sent is None  # voice design's voice is its instructions; OpenAI's names: MiMo's default
        else:
            assert sent == presets[name]  # MiMo's own spelling


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["model", "messages", "audio", "x"]), st.one_of(
    st.text(max_size=40), st.lists(st.text(max_size=40), max_size=3),
    st.dictionaries(st.sampled_from(["data", "format"]), st.text(max_size=40), max_size=2))))
def test_request_body_slices_encode_exactly_like_json_dumps(body, monkeypatch):
    """Large strings are streamed in slices (bodies.JSONBody): same bytes, same length."""
    from litellm_mimo import bodies

    monkeypatch.setattr(bodies, "LARGE_STRING", 3)  # so that generated strings get sliced
    encoded = bodies.JSONBody(body)
    assert encoded.encode() == json.dumps(body).encode()
    assert len(encoded) == len(json.dumps(body).encode())
