"""Run the real LiteLLM proxy as a subprocess on 127.0.0.1 for end-to-end tests: a free port,
a health check, and always stopped by its PID (its whole process group, workers included).

Also runnable: ``python -m tests.proxy`` starts the local MiMo stand-in and the proxy on the
shipped ``proxy_config.yaml``, so chat, speech and transcription can be tried without a key.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CONFIG = ROOT / "proxy_config.yaml"
MASTER_KEY = "sk-local-test-master"  # any value but sk-1234 (litellm-notes.md)
LITELLM = Path(sys.executable).parent / "litellm"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def derived_config(extra_settings: dict | None = None, router_settings: dict | None = None) -> dict:
    """The shipped config plus test-only settings (callbacks, no retries): derived, so the
    two cannot drift apart."""
    config = yaml.safe_load(SHIPPED_CONFIG.read_text())
    config.setdefault("litellm_settings", {}).update(extra_settings or {})
    if router_settings:
        config["router_settings"] = router_settings
    return config


class Proxy:
    """``with Proxy(upstream_url) as proxy: proxy.url ...``"""

    def __init__(self, upstream: str, config: dict | Path = SHIPPED_CONFIG, workers: int = 1,
                 env: dict | None = None, cwd: Path | None = None, startup_timeout: float = 90) -> None:
        self.upstream = upstream
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.TemporaryDirectory(prefix="mimo-proxy-")
        if isinstance(config, dict):
            self.config_path = Path(self._tmp.name) / "config.yaml"
            self.config_path.write_text(yaml.safe_dump(config, allow_unicode=True))
        else:
            self.config_path = Path(config)
        self.log_path = Path(self._tmp.name) / "proxy.log"
        self.env = {
            **os.environ,
            "XIAOMI_API_KEY": "test-key",
            "XIAOMI_API_BASE": upstream,
            "LITELLM_MASTER_KEY": MASTER_KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_LOG": "ERROR",
            "LITELLM_DONT_SHOW_FEEDBACK_BOX": "true",
            "LITELLM_MODE": "PRODUCTION",
            **(env or {}),
        }
        self.cwd = cwd or Path(self._tmp.name)
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    def start(self) -> "Proxy":
        command = [str(LITELLM), "--config", str(self.config_path), "--host", "127.0.0.1", "--port", str(self.port)]
        if self.workers > 1:
            command += ["--num_workers", str(self.workers)]
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=self.cwd, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"proxy exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/health/liveliness", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"proxy not healthy after {self.startup_timeout}s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=5)
        if getattr(self, "_log", None) is not None:
            self._log.close()

    def close(self) -> None:
        self.stop()
        self._tmp.cleanup()

    def __enter__(self) -> "Proxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def main() -> None:
    """Try the proxy offline: the stand-in plays MiMo."""
    from tests.standin import StandIn

    port = int(os.environ.get("PORT", "4000"))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the proxy on SIGTERM too
    with StandIn() as mimo:
        proxy = Proxy(mimo.url, cwd=ROOT)
        proxy.port, proxy.url = port, f"http://127.0.0.1:{port}"
        with proxy:
            print(f"LiteLLM proxy on {proxy.url} (master key {MASTER_KEY}), MiMo played by the stand-in on {mimo.url}.")
            print("Try the README's curl and openai examples with that key. Ctrl-C stops both.", flush=True)
            try:
                while proxy.process.poll() is None:
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass


if __name__ == "__main__":
    main()
