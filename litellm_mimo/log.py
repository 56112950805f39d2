"""The package's log: one logger, ``litellm_mimo``, and warnings said once per process."""

from __future__ import annotations

import logging
from collections.abc import Hashable

logger = logging.getLogger("litellm_mimo")
said: set[Hashable] = set()  # what warn_once has said (tests clear it)


def warn_once(key: Hashable, message: str, *args: object) -> None:
    if key not in said:
        said.add(key)
        logger.warning(message, *args)
