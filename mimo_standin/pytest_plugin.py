"""The ``mimo_standin`` fixture (registered as a pytest plugin when the package is installed).

Loading it imports only the standard library and the stand-in: neither LiteLLM nor litellm_mimo.
"""

from __future__ import annotations

import pytest

from .server import StandIn

TEST_KEY = "sk-mimo-standin-test-key"


@pytest.fixture(scope="session")
def _mimo_standin_session():
    with StandIn() as standin:
        yield standin


@pytest.fixture
def mimo_standin(_mimo_standin_session, monkeypatch):
    """A MiMo stand-in for this test (one per session, reset before each test), with
    ``XIAOMI_API_BASE`` set to its URL and ``XIAOMI_API_KEY`` to a test key for the test."""
    _mimo_standin_session.reset()
    monkeypatch.setenv("XIAOMI_API_BASE", _mimo_standin_session.url)
    monkeypatch.setenv("XIAOMI_API_KEY", TEST_KEY)
    yield _mimo_standin_session
