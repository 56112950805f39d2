"""The models MiMo itself lists for a key, for the proxy's ``/v1/models``.

LiteLLM asks for a wildcard deployment's models through a synchronous hook called from its async
route, on every ``/v1/models`` request: asking MiMo there would stall the proxy. So the answer is
what the last background fetch found (nothing before the first one ends, nothing when MiMo does
not answer), and a stale answer starts a new fetch in a thread.

Where the list lives is disputed (docs/mimo-api.md, "Models list"): Xiaomi documents
``GET {base}/models``; on the pay-as-you-go host that path was reported to give an HTML 404
while ``GET {host}/models`` worked. Both are tried, in that order.
"""

from __future__ import annotations

import hashlib
import threading
import time

import httpx

from .log import logger


REFRESH_SECONDS = 600.0
TIMEOUT_SECONDS = 5.0


def list_urls(api_base: str) -> list[str]:
    base = api_base.rstrip("/")
    urls = [f"{base}/models"]
    if base.endswith("/v1"):
        urls.append(f"{base[:-len('/v1')]}/models")
    return urls


def probe(api_base: str, api_key: str, timeout: float = TIMEOUT_SECONDS) -> tuple[int | None, list[str]]:
    """How MiMo's model list answered (200 with a list; else a refused key's 401 before any other
    status; None when nothing answered) and the ids it listed."""
    statuses = []
    with httpx.Client(timeout=timeout) as client:
        for url in list_urls(api_base):
            try:
                response = client.get(url, headers={"Authorization": f"Bearer {api_key}"})
                statuses.append(response.status_code)
                data = response.json().get("data") if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError, AttributeError):
                continue
            if isinstance(data, list):
                return 200, [str(item["id"]).lower() for item in data if isinstance(item, dict) and item.get("id")]
    return (401 if 401 in statuses else statuses[-1] if statuses else None), []


def fetch(api_base: str, api_key: str, timeout: float = TIMEOUT_SECONDS) -> list[str]:
    """The ids MiMo lists, or [] when no candidate URL answers with a model list."""
    return probe(api_base, api_key, timeout)[1]


class Discovery:
    """Per (endpoint, key) cache of MiMo's model list, refreshed in the background."""

    def __init__(self, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.refresh_seconds = refresh_seconds
        self._found: dict[tuple[str, str], tuple[float, list[str]]] = {}
        self._fetching: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def listed(self, api_base: str, api_key: str) -> list[str]:
        """What MiMo listed at the last fetch; never waits for MiMo."""
        key = (api_base, hashlib.sha256(api_key.encode()).hexdigest())  # the key itself is not kept
        with self._lock:
            fetched_at, ids = self._found.get(key, (None, []))
            stale = fetched_at is None or time.monotonic() - fetched_at > self.refresh_seconds
            if stale and key not in self._fetching:
                self._fetching.add(key)
                threading.Thread(target=self._refresh, args=(key, api_base, api_key), daemon=True,
                                 name="litellm-mimo-discovery").start()
        return ids

    def _refresh(self, key: tuple[str, str], api_base: str, api_key: str) -> None:
        try:
            ids = fetch(api_base, api_key)
        except Exception:  # a discovery problem must never reach /v1/models
            logger.debug("MiMo model list fetch failed", exc_info=True)
            ids = []
        with self._lock:
            previous = self._found.get(key, (0.0, []))[1]
            self._found[key] = (time.monotonic(), ids or previous)
            self._fetching.discard(key)


discovery = Discovery()
