"""Helpers for the agent-framework tests (issue 23): each test module drives one framework against
the stand-in (the ``mimo`` fixture, or the ``proxy`` in front of it) and checks both what the
framework produced and what MiMo received. Each module starts with ``pytest.importorskip``: the
main suite collects and skips them; ``.ci/frameworks`` runs them in the frameworks' own venvs."""

import json

import pytest
from pydantic import BaseModel

MODEL = "xiaomi/mimo-v2.6-pro"


class Weather(BaseModel):
    """The structured output the tests ask every framework for."""
    city: str
    degrees: int
KEY = "sk-framework-test-key"


def thought(said: str) -> str:
    """The reasoning_content the stand-in gives (thinking on) to a request whose last message says
    ``said``: what a replayed tool-call turn must carry back."""
    return f"The user said {said!r}; I will answer."


def bodies(mimo) -> list[dict]:
    """What MiMo received, request by request."""
    return [r["body"] for r in mimo.requests]


def tool_turns(body: dict) -> list[dict]:
    """The assistant turns with tool calls that a request sends back (the replay rule's subject)."""
    return [m for m in body["messages"] if m.get("role") == "assistant" and m.get("tool_calls")]


def assert_reasoning_replayed(body: dict, first_said: str) -> None:
    """The replay rule, as the package is to keep it: the tool-call turn a framework sends back
    reaches MiMo with the reasoning MiMo gave with it (thinking stays on)."""
    turns = tool_turns(body)
    assert turns, f"no assistant tool-call turn was sent back: {json.dumps(body)[:500]}"
    assert [t.get("reasoning_content") for t in turns] == [thought(first_said)] * len(turns), turns
    assert body.get("thinking", {}).get("type", "enabled") != "disabled", body.get("thinking")


def last_text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


@pytest.fixture
def mimo_env(mimo, monkeypatch):
    """XIAOMI_API_BASE / XIAOMI_API_KEY pointing at the stand-in, for frameworks configured by env."""
    monkeypatch.setenv("XIAOMI_API_BASE", mimo.url)
    monkeypatch.setenv("XIAOMI_API_KEY", KEY)
    return mimo
