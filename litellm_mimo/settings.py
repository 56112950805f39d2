"""The package's own settings, in one place: where each is read, what it accepts, and which of
them a proxy client may not set.

A setting is read from the call (in the proxy, from the deployment's ``litellm_params``, which
LiteLLM's Router passes with every call), else from its environment variable, else its default.
None of them is ever sent to MiMo.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from . import errors


class Setting(NamedTuple):
    name: str  # per call, or in a deployment's litellm_params
    variable: str  # the environment variable
    default: int


# Bounded work per request (limits.py).
SPEECH_CHARS = Setting("max_speech_chars", "XIAOMI_MAX_SPEECH_CHARS", 100_000)
TRANSCRIPTION_MB = Setting("max_transcription_mb", "XIAOMI_MAX_TRANSCRIPTION_MB", 500)
# How a long speech or transcription runs (pieces.py): pieces sent to MiMo at once (1 = one after
# another), and retries of one piece on a transient failure before any of its bytes go out.
CONCURRENCY = Setting("audio_concurrency", "XIAOMI_AUDIO_CONCURRENCY", 4)
PIECE_RETRIES = Setting("piece_retries", "XIAOMI_AUDIO_PIECE_RETRIES", 2)

# What a proxy deployment (its litellm_params) or the proxy's environment chooses, never a client:
# LiteLLM's Router lets a request body's keys override the deployment's litellm_params, so a client
# could lift a limit, multiply retries, pick another MiMo model, or send the deployment's key to
# another region's host (a 401 that cools the deployment down for all).
DEPLOYMENT_SETTINGS = ("region", "upstream_model", *(s.name for s in (SPEECH_CHARS, TRANSCRIPTION_MB, CONCURRENCY,
                                                                      PIECE_RETRIES)))
# LiteLLM hands these to the provider inside optional_params, but they are the package's options,
# not MiMo's: the provider applies them (headers, retries, the structured-output bridge, the replay,
# the call type its logging shows, the host); they are never sent in the body.
PACKAGE_OPTIONS = ("extra_headers", "max_retries", "structured_outputs", "reasoning_replay", "logged_as",
                   *DEPLOYMENT_SETTINGS)


def _in_force(setting: Setting, given: object) -> tuple[str, object]:
    """Where a setting's value comes from, and the value."""
    if given is not None:
        return setting.name, given
    return setting.variable, os.environ.get(setting.variable, setting.default)


def limit(setting: Setting, given: object = None) -> float:
    """A limit in force. Anything but a positive number is refused: 0 does not mean "unlimited"."""
    source, value = _in_force(setting, given)
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if not number > 0 or isinstance(value, bool):
        raise errors.bad_request(f"{source}={value!r} is not a limit: give a positive number "
                                 f"(the default is {setting.default:,}).")
    return number


def count(setting: Setting, given: object, least: int) -> int:
    """A whole number in force, at least ``least``."""
    source, value = _in_force(setting, given)
    try:
        number = int(str(value))
    except ValueError:
        number = least - 1
    if number < least or isinstance(value, bool):
        raise errors.bad_request(f"{source}={value!r}: give a whole number of at least {least} "
                                 f"(the default is {setting.default}).")
    return number


def max_retries(value: object) -> int:
    """A call's own ``max_retries`` (0 when not given), as OpenAI's client takes it."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.bad_request(f"max_retries={value!r} is not a number of retries: give an integer >= 0.")
    return value


def refuse_client_settings(kwargs: Mapping) -> None:
    """A proxy request whose body sets a deployment setting is refused (400) before anything is sent."""
    request = kwargs.get("proxy_server_request")
    body = request.get("body") if isinstance(request, Mapping) else None
    sent = [name for name in DEPLOYMENT_SETTINGS if isinstance(body, Mapping) and name in body]
    if sent:
        one = len(sent) == 1
        raise errors.bad_request(f"{', '.join(sent)} {'is a setting' if one else 'are settings'} of the proxy's "
                                 f"deployment (litellm_params in its config), not of a request: remove "
                                 f"{'it' if one else 'them'}.")
