"""``python -m litellm_mimo doctor``: what works with your MiMo key, from where you are.

Reads the key and host the package would use (``credentials.py``), finds the host that answers the
key (for a Token Plan key, each regional host in turn, and says which setting picks it), lists the
models MiMo serves for it, and makes one small chat, speech and transcription call. One row per
check: status, time, and the reason when it fails. The key itself is never printed. Exits 0 when
the key, its host and chat work; 1 when one of them does not; 2 without a key.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import litellm

from . import credentials, discovery, errors

CHAT_MODEL, TTS_MODEL, ASR_MODEL = "mimo-v2.6-flash", "mimo-v2.5-tts", "mimo-v2.5-asr"
SPOKEN = "Hello from the doctor."


@dataclass
class Row:
    check: str
    ok: bool | None  # None: not run
    seconds: float | None
    detail: str


def _timed(check: str, action: Callable[[], str], key: str) -> Row:
    started = time.perf_counter()
    try:
        detail = action()
        return Row(check, True, time.perf_counter() - started, detail)
    except Exception as exc:  # every failure is a row, never a traceback
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        return Row(check, False, time.perf_counter() - started, errors.redact(reason, key)[:300])


def find_host(key: str) -> tuple[Row, str | None, list[str]]:
    """The host row, the base URL to use, and the models it listed."""
    configured = next((name for name in credentials.API_BASE_ENV if os.environ.get(name)), None)
    region = os.environ.get(credentials.REGION_ENV)
    if configured or region or not key.startswith(credentials.TOKEN_PLAN_PREFIX):
        try:
            base = credentials.api_base(None, None, key)
        except litellm.BadRequestError as exc:  # a region that is none, a Token Plan key on the default host
            return Row("host", False, None, exc.message), None, []
        started = time.perf_counter()
        status, ids = discovery.probe(base, key)
        source = configured or (f"{credentials.REGION_ENV}={region}" if region else "the default")
        if status == 401:
            return Row("host", False, time.perf_counter() - started,
                       f"{base} ({source}) refused the key (401): a wrong key, or a Token Plan key on another "
                       "region's host"), None, []
        return Row("host", True, time.perf_counter() - started, f"{base} ({source})"), base, ids
    tried = []
    for region in credentials.REGIONS:  # a Token Plan key answers only on its own region's host
        base = credentials.token_plan_url(region)
        started = time.perf_counter()
        status, ids = discovery.probe(base, key)
        if status == 200:
            return Row("host", True, time.perf_counter() - started,
                       f"{base}: your Token Plan key's region is {region}: set {credentials.REGION_ENV}={region} "
                       f"(or region: {region} in a deployment's litellm_params)"), base, ids
        tried.append(f"{region}: {status or 'no answer'}")
    return Row("host", False, None, f"no Token Plan host accepted the key ({', '.join(tried)})"), None, []


def run(out: TextIO = sys.stdout) -> int:
    key = credentials.find_api_key()
    if not key:
        print(f"No MiMo API key: set one of {', '.join(credentials.API_KEY_ENV)} (read in that order).", file=out)
        return 2
    host, base, listed = find_host(key)
    rows = [host]
    if base is None:
        rows += [Row(check, None, None, "skipped: no host") for check in ("models", "chat", "speech", "transcription")]
    else:
        call = {"api_base": base, "api_key": key}
        rows.append(Row("models", bool(listed), None, f"{len(listed)} listed: {', '.join(listed[:8])}" if listed else
                        "MiMo listed none (the pay-as-you-go host's list is known to be missing at times)"))
        rows.append(_timed("chat", lambda: "answered: " + repr((litellm.completion(
            model=f"{errors.PROVIDER}/{CHAT_MODEL}", messages=[{"role": "user", "content": "Say OK."}], max_tokens=16,
            thinking={"type": "disabled"}, **call).choices[0].message.content or "")[:60]), key))
        audio: list[bytes] = []

        def speak() -> str:
            audio.append(litellm.speech(model=f"{errors.PROVIDER}/{TTS_MODEL}", input=SPOKEN, **call).content)
            return f"{len(audio[0]):,} bytes of WAV"

        rows.append(_timed("speech", speak, key))
        rows.append(_timed("transcription", lambda: "heard: " + repr(litellm.transcription(
            model=f"{errors.PROVIDER}/{ASR_MODEL}", file=("doctor.wav", audio[0]), **call).text[:60]), key) if audio else
            Row("transcription", None, None, "skipped: no speech to transcribe"))
    kind = "a Token Plan key" if key.startswith(credentials.TOKEN_PLAN_PREFIX) else "a key"
    print(f"litellm-mimo doctor, LiteLLM {_version()}, {kind} (not shown)", file=out)
    for row in rows:
        status = {True: "ok", False: "FAIL", None: "-"}[row.ok]
        seconds = f"{row.seconds * 1000:7.0f} ms" if row.seconds is not None else " " * 10
        print(f"  {row.check:<14}{status:<6}{seconds}  {row.detail}", file=out)
    return 0 if all(r.ok for r in rows if r.check in ("host", "chat")) else 1


def _version() -> str:
    from . import patches

    return patches.litellm_version()
