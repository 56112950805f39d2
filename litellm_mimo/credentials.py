"""Which key, and which host: the settings MiMo users arrive with (docs/mimo-api.md, "Transport").

- The key: ``api_key``, else ``XIAOMI_API_KEY``, ``XIAOMI_MIMO_API_KEY`` (LiteLLM's built-in
  provider's name), ``MIMO_API_KEY`` (Xiaomi's own examples), in that order.
- The host, the call's (or deployment's) settings before the environment's, a host before a
  region: ``api_base``; ``region=`` (that region's Token Plan host); ``XIAOMI_API_BASE``, then
  ``XIAOMI_MIMO_API_BASE``; ``XIAOMI_REGION``; else the pay-as-you-go host. A Token Plan key
  (``tp-``) works only on its own regional host (401 anywhere else), so one bound for the
  pay-as-you-go host, chosen or by default, is refused before anything is sent.
"""

from __future__ import annotations

import os

import litellm
from litellm.secret_managers.main import get_secret_str

from . import errors

DEFAULT_API_BASE = "https://api.xiaomimimo.com/v1"
API_KEY_ENV = ("XIAOMI_API_KEY", "XIAOMI_MIMO_API_KEY", "MIMO_API_KEY")
API_BASE_ENV = ("XIAOMI_API_BASE", "XIAOMI_MIMO_API_BASE")
REGION_ENV = "XIAOMI_REGION"
REGIONS = ("cn", "sgp", "ams")
TOKEN_PLAN_PREFIX = "tp-"
# Token Plan hosts; XIAOMI_TOKEN_PLAN_URL replaces the template (the tests point it at the stand-in).
TOKEN_PLAN_URL = "https://token-plan-{region}.xiaomimimo.com/v1"


def token_plan_url(region: str) -> str:
    return os.environ.get("XIAOMI_TOKEN_PLAN_URL", TOKEN_PLAN_URL).format(region=region)


def find_api_key(api_key: str | None = None) -> str | None:
    """The key given, else the first variable of ``API_KEY_ENV`` that is set. A proxy config's
    ``os.environ/NAME`` that LiteLLM has not resolved yet is read here."""
    if isinstance(api_key, str) and api_key.startswith("os.environ/"):
        api_key = get_secret_str(api_key)
    return api_key or next((os.environ[name] for name in API_KEY_ENV if os.environ.get(name)), None)


def api_key(given: str | None) -> str:
    key = find_api_key(given)
    if not key:
        raise litellm.AuthenticationError(
            message=f"No MiMo API key: pass api_key=... or set one of {', '.join(API_KEY_ENV)} (read in that order).",
            llm_provider=errors.PROVIDER, model="")
    return key


def api_base(given: str | None, region: str | None, key: str | None) -> str:
    """The base URL requests go to (no trailing slash)."""
    base = (given or _region_url(region, "region")
            or next((os.environ[name] for name in API_BASE_ENV if os.environ.get(name)), None)
            or _region_url(os.environ.get(REGION_ENV), REGION_ENV) or DEFAULT_API_BASE).rstrip("/")
    if key and key.startswith(TOKEN_PLAN_PREFIX) and base == DEFAULT_API_BASE:
        hosts = ", ".join(token_plan_url(r) for r in REGIONS)
        raise errors.bad_request(
            f"A Token Plan key (tp-...) works only on its own regional host ({hosts}), not on {base}: set "
            f"{REGION_ENV}=cn|sgp|ams (or region=... per call or in a deployment's litellm_params), or "
            f"{API_BASE_ENV[0]} to your key's host (Xiaomi's console shows it). `python -m litellm_mimo doctor` "
            "finds it for you.")
    return base


def _region_url(region: str | None, name: str) -> str | None:
    if not region:
        return None
    if region not in REGIONS:
        raise errors.bad_request(f"{name}={region!r} is not a MiMo Token Plan region: use one of "
                                 f"{', '.join(REGIONS)}.")
    return token_plan_url(region)
