"""mimo_standin: a local stand-in for Xiaomi's MiMo API, for testing code that calls MiMo offline.

It answers ``POST /v1/chat/completions`` as MiMo does (its official example bodies, its stream
framing, its real error bodies) for chat, text-to-speech (TTS) and speech recognition (ASR), and
``GET /v1/models``. It listens on 127.0.0.1 only and imports nothing but the standard library.

Start and stop
--------------
::

    from mimo_standin import StandIn

    with StandIn() as mimo:            # a free port; StandIn(port=8999) for a fixed one
        mimo.url                       # "http://127.0.0.1:<port>/v1": give it as api_base / XIAOMI_API_BASE
        ...                            # any API key is accepted but "invalid-key" (a 401, as MiMo's)

``StandIn().start()`` / ``.stop()`` do the same without ``with``. From a shell:
``python -m mimo_standin --port 8999`` (or ``litellm-mimo standin``) prints the base URL and serves
until stopped.

With pytest, the fixture ``mimo_standin`` (this package's pytest plugin, loaded automatically once
the package is installed) runs one stand-in for the session, resets it before each test, sets
``XIAOMI_API_BASE`` to its URL and ``XIAOMI_API_KEY`` to a test key for the test, and yields it::

    import litellm, litellm_mimo

    def test_my_code(mimo_standin):
        litellm.completion(model="xiaomi/mimo-v2.6-flash", messages=[{"role": "user", "content": "Hi"}])
        assert mimo_standin.requests[0]["body"]["model"] == "mimo-v2.6-flash"

What it received
----------------
``mimo.requests`` lists every ``POST``, oldest first, each a dict: ``body`` (the parsed JSON),
``headers`` (lower-cased names, **without** ``authorization`` and ``api-key``: keys never land
there), ``path``, ``fault`` (the fault applied, "" for none), ``time`` (``time.monotonic()``),
``peer``, and ``usage`` (what it counted, once answered). ``mimo.list_requests`` lists every
``GET`` with the ``status`` it got. ``mimo.max_active`` is the most requests it answered at once.
``mimo.reset()`` forgets all of it and every setting below (the model list aside), as a fresh
stand-in would.

Answers
-------
- chat: ``"Echo: <the last message's text>"``, with ``reasoning_content`` unless thinking is off
  (``thinking: {"type": "disabled"}`` or ``reasoning_effort: "none"``) and MiMo-shaped ``usage``;
  streamed (``stream: true``) as MiMo streams, usage in a chunk after the finish chunk.
- tools: when function tools are offered and the last message is the user's, it calls them (the
  first two) with arguments that follow each tool's ``parameters`` JSON Schema (required properties,
  types, enums, ``const``, ``$defs``/``$ref``; strings are the user's text); after a ``tool``
  message it answers ``"The tool said: <its content>"``.
- JSON mode (``response_format: {"type": "json_object"}``): a JSON value that follows a schema
  given in a system message after ``"JSON Schema:\\n"``, else ``{"echo": <text>}``.
- TTS (``mimo-v2.5-tts*``): ``wav`` (24 kHz 16-bit mono), ``pcm`` or ``mp3`` audio. The samples
  carry the spoken text: ``text_in_pcm(pcm)`` reads it back, and ``pcm_for_text(text)`` /
  ``wav_bytes(pcm)`` make audio whose transcript (ASR, ``mimo-v2.5-asr``) is that text. Real
  recordings are transcribed as MiMo's official example sentence.
- ``mimo.scripted``: the next chat answers, in order, instead of the above: ``{"content": "..."}``
  or ``{"tool_calls": [(name, arguments_json)]}``, plus ``{"fields": {...}}`` merged into the message.
- ``mimo.delay``: seconds each chat request waits before its answer (latency, concurrency tests).
- ``mimo.listed_models``, ``mimo.models_path`` (``"/v1/models"``), ``mimo.models_delay``: the model list.

Faults
------
- the request header ``X-Standin-Fault: <name>``, for one request;
- ``mimo.queued_faults``: names for the next requests, in order (they win over the header);
- ``mimo.faults_by_text``: ``{marker: [name, ...]}``, one name used per request whose messages
  (or, for ASR, the text its audio carries) contain the marker.

Error statuses (``FAULTS``, each with MiMo's real body): ``400-invalid``, ``400-param``,
``400-json``, ``400-context``, ``401``, ``402``, ``403``, ``404`` (an HTML page), ``421`` and
``441`` (moderation and risk control, HTTP 400), ``429`` (with ``Retry-After:`` ``mimo.retry_after``),
``500``, ``503``. Other faults: ``reset`` (the connection closes unanswered), ``timeout`` (waits
``X-Standin-Delay`` seconds, 5 by default), ``notjson`` (an HTML 200), ``truncated`` (cut JSON),
``nochoices``, ``emptytext``, ``noaudio``, ``badaudio`` (audio that is not base64); for streams
``keepalive`` (a ``: PROCESSING`` comment first), ``split`` (each event cut in two chunks),
``slow`` (50 ms between events), ``cut`` (ends after the first content event), ``instream-error``
(an error event mid-stream), ``sse-error`` (a 400 framed as an event stream). ``mimo.stream_gate``
(a ``threading.Event``) holds a stream after its first content event until set.

Refusal on cue, for testing a caller's recovery: a chat request whose messages contain
``[standin:no-tool]`` gets a plain-text answer and no tool call even when tools are offered;
``[standin:bad-json]`` turns a JSON-mode answer into prose that is not JSON. With a count,
``[standin:no-tool*2]`` / ``[standin:bad-json*2]``, only the first 2 chat requests carrying that
cue (counted per stand-in since its last reset, scripted ones included) are refused, later ones
answered normally: a package's own repair request and a framework's retry can be told apart.

MiMo's rules it enforces (HTTP 400, MiMo's "Param Incorrect" body, unless said otherwise)
------------------------------------------------------------------------------------------
- the replay rule: with thinking on, an earlier assistant message with ``tool_calls`` must carry
  its ``reasoning_content``;
- ``response_format`` other than ``text`` / ``json_object`` is refused (``json_schema`` too,
  unless ``mimo.json_schema_supported = True``, which answers it from its schema);
- ``max_completion_tokens`` / ``max_tokens`` above 131072; an answer longer than the limit is cut
  (``finish_reason: "length"``);
- TTS: ``thinking``, ``tools``, ``tool_choice``, ``stop``, ``response_format`` are refused; the text
  must be an assistant message; voices are checked (preset names; none for voice design, which
  needs a user message describing the voice; a wav/mp3 data URL of at most 10 MB for voice clone);
  formats are ``wav``, ``pcm``/``pcm16``, ``mp3``;
- ASR: exactly one ``input_audio`` part, a wav/mp3 data URL (or ``format`` given), at most 10 MB of
  base64, ``asr_options.language`` one of ``auto``, ``zh``, ``en``;
- models it does not know: 400; paths other than chat and the model list: MiMo's HTML 404;
- keys: none or ``invalid-key`` is a 401; a Token Plan key (``tp-...``) only under its region's path
  (``/sgp/v1/...``, ``mimo.token_plan_region``); ``api-key`` wins over ``Authorization``.
"""

from .server import (
    FAULTS,
    INVALID_KEY,
    OFFICIAL_TRANSCRIPT,
    OTHER_FAULTS,
    SAMPLE_RATE,
    StandIn,
    main,
    pcm_for_text,
    text_in_pcm,
    wav_bytes,
)

__all__ = ["FAULTS", "INVALID_KEY", "OFFICIAL_TRANSCRIPT", "OTHER_FAULTS", "SAMPLE_RATE", "StandIn", "main",
           "pcm_for_text", "text_in_pcm", "wav_bytes"]
