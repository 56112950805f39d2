"""Run the real LiteLLM proxy as a subprocess on 127.0.0.1 for end-to-end tests: a free port,
a health check, and always stopped by its PID (its whole process group, workers included).

``litellm-mimo tryout`` uses it to let a newcomer try everything without a key.
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

PACKAGE = Path(__file__).resolve().parent.parent
# The configs shipped inside the package (in a clone, links to the repository's root files).
SHIPPED_CONFIG = PACKAGE / "proxy_config.yaml"
FLEET_CONFIG = PACKAGE / "proxy_config.fleet.yaml"
MASTER_KEY = "sk-local-master"  # the README's; any value but sk-1234, which LiteLLM refuses
AUTH = {"Authorization": f"Bearer {MASTER_KEY}"}  # what a client of the proxy sends
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
                 env: dict | None = None, cwd: Path | None = None, startup_timeout: float = 90,
                 port: int | None = None, keep_files_in: Path | None = None) -> None:
        self.upstream = upstream
        self.workers = workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Config and log go to a temporary directory, removed on close, unless kept elsewhere.
        self._tmp = None if keep_files_in else tempfile.TemporaryDirectory(prefix="mimo-proxy-")
        files = Path(keep_files_in or self._tmp.name)
        if isinstance(config, dict):
            self.config_path = files / "config.yaml"
            self.config_path.write_text(yaml.safe_dump(config, allow_unicode=True))
        else:
            self.config_path = Path(config)
        self.log_path = files / "proxy.log"
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
        self.cwd = cwd or files
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
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> "Proxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
