"""The README as a newcomer follows it: every code block runs offline here or is marked as needing a
MiMo key, and runs as written (the blocks are read from the README, so they cannot drift)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from litellm_mimo.testing import free_port
from mimo_standin import StandIn
from tests.conftest import ROOT, readme_blocks as blocks

KINDS = {"readme: tryout", "readme: against-tryout", "readme: in-code", "readme: needs-key", "test-command",
         "readme: deployments",  # served by the tests' proxy (conftest)
         "readme: fleet",  # proxy_config.fleet.yaml, which tests/test_fleet.py runs
         "readme: pytest"}  # a user's test file with the mimo_standin fixture


def test_every_code_block_runs_here_or_says_it_needs_a_key():
    readme = (ROOT / "README.md").read_text()
    assert len(blocks()) == readme.count("```") // 2, "a code block without a <!-- readme: ... --> marker"
    assert {kind for kind, _, _ in blocks()} <= KINDS
    for kind, _, _ in blocks("readme: needs-key"):
        assert "your-mimo-key" in readme


def test_the_fleet_config_shown_is_the_one_shipped():
    (_, _, shown), = blocks("readme: fleet")
    assert yaml.safe_load(shown) == yaml.safe_load((ROOT / "proxy_config.fleet.yaml").read_text())


def run(language: str, code: str, cwd: Path, env: dict, port: int | None = None) -> str:
    if port is not None:
        code = code.replace("127.0.0.1:4000", f"127.0.0.1:{port}")
    command = ["bash", "-euo", "pipefail", "-c", code] if language == "bash" else [sys.executable, "-c", code]
    done = subprocess.run(command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_the_in_code_examples_run_against_the_standin(tmp_path):
    quick_start, structured = blocks("readme: in-code")
    with StandIn() as mimo:
        out = run(quick_start[1], quick_start[2], tmp_path, {"XIAOMI_API_KEY": "test-key", "XIAOMI_API_BASE": mimo.url})
        sent = [r["body"] for r in mimo.requests]
        mimo.requests.clear()
        typed = run(structured[1], structured[2], tmp_path, {"XIAOMI_API_KEY": "test-key", "XIAOMI_API_BASE": mimo.url})
        typed_sent = [r["body"] for r in mimo.requests]
    assert "Echo: Tell me a fun fact about the sea." in out
    assert "The user said" in out  # the reasoning
    assert re.search(r"completion_tokens=\d+", out), out  # the streamed usage is printed
    assert [b["model"] for b in sent] == ["mimo-v2.6-pro", "mimo-v2.6-flash", "mimo-v2.6-pro", "mimo-v2.5-tts",
                                          "mimo-v2.5-asr"]
    assert sent[1]["thinking"] == {"type": "disabled"} and sent[2]["stream"] is True
    assert out.strip().endswith("Hey boss, good morning!")  # the stand-in's audio carries its text back
    assert (tmp_path / "morning.wav").read_bytes()[:4] == b"RIFF"
    assert typed.strip() == "name='The largest city in France?' population=1"  # the stand-in follows the schema
    assert [b["response_format"] for b in typed_sent] == [{"type": "json_object"}]


def test_a_users_test_file_with_the_fixture_passes(tmp_path):
    (_, _, code), = blocks("readme: pytest")
    (tmp_path / "test_mine.py").write_text(code)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XIAOMI_")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_mine.py"], cwd=tmp_path,
                          env={**env, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]


@pytest.fixture
def tryout(tmp_path):
    """`litellm-mimo tryout`, as the README starts it (in another directory, on a free port); always stopped."""
    (_, _, command), = blocks("readme: tryout")
    assert command.strip().endswith("&& LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/litellm-mimo tryout")
    port = free_port()
    output = tmp_path / "tryout.out"
    with open(output, "w") as out:
        process = subprocess.Popen([str(Path(sys.executable).parent / "litellm-mimo"), "tryout", "--port", str(port)],
                                   cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}, start_new_session=True)
    proxy_pid = None
    try:
        deadline = time.monotonic() + 120
        while "Requests served:" not in output.read_text():
            assert process.poll() is None and time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        proxy_pid = int(re.search(r"\(pid (\d+);", output.read_text()).group(1))
        yield port, output, process
    finally:
        for pid in (process.pid, proxy_pid):
            if pid is not None:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        process.wait(timeout=10)


def test_the_proxy_examples_run_against_the_tryout(tryout, tmp_path):
    port, output, process = tryout
    requests = 0
    for _, language, code in blocks("readme: against-tryout"):
        out = run(language, code, tmp_path, {}, port)
        assert "Echo: Hi" in out
        if "transcriptions" in code:
            assert "Good morning!" in out  # the stand-in's tone carries its text back
        requests += code.count("curl -s") + code.count("client.")
    for _ in range(50):  # one line per request served, written after each answer
        served = [line for line in output.read_text().splitlines() if line.startswith("  ") and " 200 " in line]
        if len(served) >= requests:
            break
        time.sleep(0.2)
    assert len(served) == requests, output.read_text()
    assert {"mimo-v2.6-pro", "mimo-v2.5-tts", "mimo-v2.5-asr"} <= {line.split()[-2] for line in served}
    # A request without a key: the line says the status the client got (LiteLLM's JSON 401).
    out = run("bash", "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:4000/v1/chat/completions "
                      "-H 'Content-Type: application/json' -d '{\"model\": \"mimo-v2.6-flash\", \"messages\": []}'",
              tmp_path, {}, port)
    assert out == "401"
    for _ in range(50):
        refused = [line for line in output.read_text().splitlines() if line.endswith("(refused)")]
        if refused:
            break
        time.sleep(0.2)
    assert [line.split()[1] for line in refused] == ["401"], output.read_text()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    log = re.search(r"The proxy's log stays at (\S+)", output.read_text())
    assert log and Path(log.group(1)).stat().st_size > 0
