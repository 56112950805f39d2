"""Which failures are worth another try, and how long to wait first: the OpenAI client's policy
(openai-python ``_base_client``), which callers of an OpenAI-style API expect from ``max_retries``.

Transient: no answer (a connection error or a timeout), 408, 429 and any 5xx. Everything else (a
4xx) would fail the same way again. The wait is MiMo's ``Retry-After`` when it gives a usable one
(up to a minute), else 0.5 s doubled on each try, at most 8 s, less up to a quarter at random.
"""

from __future__ import annotations

import email.utils
import random
from datetime import datetime, timezone
from collections.abc import Mapping

MAX_RETRY_AFTER = 60.0
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0


def transient(status: int) -> bool:
    return status in (408, 429) or status >= 500


def delay(attempt: int, headers: Mapping[str, str] | None = None) -> float:
    """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
    retry_after = _retry_after(headers or {})
    if retry_after is not None:
        return retry_after
    return min(INITIAL_DELAY * 2 ** attempt, MAX_DELAY) * (1 - 0.25 * random.random())


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        seconds = None if value is None else _seconds(value, scale)
        if seconds is not None and 0 <= seconds <= MAX_RETRY_AFTER:
            return seconds
    return None


def _seconds(value: str, scale: float) -> float | None:
    """A number of seconds (or milliseconds), or an HTTP date as RFC 9110 allows ``Retry-After``."""
    try:
        return float(value) * scale
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds()) if when.tzinfo else None
