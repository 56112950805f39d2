"""Try litellm-mimo without a MiMo key: ``litellm-mimo tryout [--port N]``.

Starts the local MiMo stand-in (``mimo_standin``) and LiteLLM's proxy on the shipped
``proxy_config.yaml`` on http://127.0.0.1:4000 (``--port`` changes it), with the README's master
key, then prints one line per request the proxy serves until stopped. The proxy's log is kept
after exit, and its path printed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from mimo_standin import StandIn

from .proxy import MASTER_KEY, Proxy, derived_config


def summary(record: dict) -> str:
    """One line for one request: when, status, seconds, model, what kind of call."""
    at = datetime.fromtimestamp(record["at"]).strftime("%H:%M:%S")
    seconds = f"{record['seconds']:.2f} s" if record.get("seconds") is not None else "  —   "
    kind = record.get("call_type") if record.get("status") == 200 else "refused"
    return f"  {at}  {record['status']}  {seconds}  {record.get('model') or '?'}  ({kind})"


def main(port: int | None = None) -> None:
    port = port or int(os.environ.get("PORT", "4000"))
    files = Path(tempfile.mkdtemp(prefix="litellm-mimo-tryout-"))
    served = files / "requests.jsonl"
    served.touch()
    config = derived_config(extra_settings={"callbacks": ["litellm_mimo.testing.callback.recorder"]})
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the proxy on SIGTERM too
    with StandIn() as mimo:
        proxy = Proxy(mimo.url, config=config, port=port, keep_files_in=files,
                      env={"PROXY_CALLBACK_LOG": str(served)})
        died = False
        try:
            with proxy:
                print(f"LiteLLM proxy on {proxy.url}, master key {MASTER_KEY}: the README's examples work as written.\n"
                      f"MiMo is played by a local stand-in: chat echoes what you send, speech is a tone, not a voice.\n"
                      f"Proxy log: {proxy.log_path} (pid {proxy.process.pid}; kept after exit). Ctrl-C stops both.\n"
                      f"Requests served:", flush=True)
                with open(served) as lines:
                    while proxy.process.poll() is None:
                        for line in lines.readlines():
                            print(summary(json.loads(line)), flush=True)
                        time.sleep(0.2)
                died = True  # the loop ends by itself only when the proxy exits
        except KeyboardInterrupt:
            pass
        finally:
            print(f"\nStopped. The proxy's log stays at {proxy.log_path}", flush=True)
    if died:
        sys.exit(f"The proxy exited by itself ({proxy.process.returncode}): see its log, {proxy.log_path}")


if __name__ == "__main__":
    main()
