"""The `litellm-mimo` command: each subcommand's help, the configs it writes, the stand-in and the
proxy it runs from any directory (the try-out is run by tests/test_readme.py, as the README starts it)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from litellm_mimo import cli
from litellm_mimo.testing import AUTH, MASTER_KEY, free_port
from tests.conftest import ROOT

SCRIPT = Path(sys.executable).parent / "litellm-mimo"
SHIPPED_MODELS = {"mimo-v2.6-pro", "mimo-v2.6-flash", "mimo-v2.6-pro-ultraspeed", "mimo-v2.5-tts",
                  "mimo-v2.5-tts-voicedesign", "mimo-v2.5-tts-voiceclone", "mimo-v2.5-asr", "mimo-v2.6-pro[1m]"}
HELP = {
    "serve": "Run LiteLLM's proxy on the config shipped in this package",
    "config": "Write the proxy config shipped in this package to PATH",
    "tryout": "Start a local MiMo stand-in and LiteLLM's proxy on the shipped config",
    "standin": "Run the local MiMo stand-in",
    "doctor": "Check a MiMo key from where you are",
}


def help_of(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as done:
        cli.main([*argv, "--help"], prog="litellm-mimo")
    assert done.value.code == 0
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("command", sorted(HELP))
def test_each_subcommand_says_what_it_does(capsys, command):
    assert HELP[command] in help_of(capsys, command)


def test_the_command_lists_its_subcommands(capsys):
    listed = help_of(capsys)
    assert all(command in listed for command in HELP)
    for runner in ([str(SCRIPT)], [sys.executable, "-m", "litellm_mimo"]):
        done = subprocess.run([*runner, "--help"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
        assert done.returncode == 0 and all(command in done.stdout for command in HELP), done.stderr[-2000:]


def model_names(config: dict) -> set[str]:
    return {d["model_name"] for d in config["model_list"]}


def test_config_writes_the_shipped_config(tmp_path, capsys):
    assert cli.main(["config", str(tmp_path / "my.yaml")]) == 0
    written = yaml.safe_load((tmp_path / "my.yaml").read_text())
    assert SHIPPED_MODELS <= model_names(written)
    assert written == yaml.safe_load((ROOT / "proxy_config.yaml").read_text())
    assert written["litellm_settings"]["custom_provider_map"] == [{"provider": "xiaomi", "custom_handler": "litellm_mimo.handler"}]


def test_config_fleet_writes_the_base_it_includes_beside_it(tmp_path, capsys):
    assert cli.main(["config", "--fleet", str(tmp_path / "fleet.yaml")]) == 0
    fleet = yaml.safe_load((tmp_path / "fleet.yaml").read_text())
    assert fleet["include"] == ["proxy_config.yaml"]
    assert fleet["router_settings"]["redis_host"] == "os.environ/REDIS_HOST"
    assert SHIPPED_MODELS <= model_names(yaml.safe_load((tmp_path / "proxy_config.yaml").read_text()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.yaml", "proxy_config.yaml"]


def test_config_leaves_existing_files_alone_unless_forced(tmp_path, capsys):
    mine = tmp_path / "proxy_config.yaml"
    mine.write_text("mine")
    with pytest.raises(SystemExit, match="not overwriting"):
        cli.main(["config", "--fleet", str(tmp_path / "fleet.yaml")])
    assert mine.read_text() == "mine" and not (tmp_path / "fleet.yaml").exists()
    with pytest.raises(SystemExit, match="not overwriting"):
        cli.main(["config", str(mine)])
    assert mine.read_text() == "mine"
    assert cli.main(["config", "--force", str(mine)]) == 0
    assert SHIPPED_MODELS <= model_names(yaml.safe_load(mine.read_text()))


def test_doctor_without_a_key_says_so(monkeypatch, capsys):
    for name in ("XIAOMI_API_KEY", "XIAOMI_MIMO_API_KEY", "MIMO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["doctor"]) == 2
    assert "No MiMo API key" in capsys.readouterr().out


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def test_standin_prints_its_url_and_answers_a_chat(tmp_path):
    port = free_port()
    process = subprocess.Popen([str(SCRIPT), "standin", "--port", str(port)], cwd=tmp_path, stdout=subprocess.PIPE,
                               text=True, start_new_session=True,
                               env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/v1" in line, line
        r = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", headers={"Authorization": "Bearer k"},
                       json={"model": "mimo-v2.6-flash", "messages": [{"role": "user", "content": "Hi"}]}, timeout=10)
        assert r.json()["choices"][0]["message"]["content"] == "Echo: Hi"
    finally:
        stop(process)


@pytest.mark.proxy
def test_serve_runs_the_shipped_config_from_any_directory(mimo, tmp_path):
    port = free_port()
    env = {**os.environ, "XIAOMI_API_KEY": "test-key", "XIAOMI_API_BASE": mimo.url, "LITELLM_MASTER_KEY": MASTER_KEY,
           "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR", "LITELLM_MODE": "PRODUCTION"}
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], cwd=tmp_path, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/liveliness", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        listed = {m["id"] for m in httpx.get(f"http://127.0.0.1:{port}/v1/models", headers=AUTH).json()["data"]}
        assert SHIPPED_MODELS <= listed
        r = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", headers=AUTH, timeout=30,
                       json={"model": "mimo-v2.6-flash", "messages": [{"role": "user", "content": "Hi"}]})
        assert r.json()["choices"][0]["message"]["content"] == "Echo: Hi"
        # LiteLLM's CLI, exec'd with the package's config and the default host
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert command[command.index(b"--host") + 1] == b"127.0.0.1"
        assert Path(command[command.index(b"--config") + 1].decode()).parent.name == "litellm_mimo"
    finally:
        stop(process)
