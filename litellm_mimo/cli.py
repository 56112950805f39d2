"""``litellm-mimo`` (and ``python -m litellm_mimo``): serve, configure, try out and check MiMo."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import yaml

from . import __version__

PACKAGE = Path(__file__).resolve().parent
CONFIG = PACKAGE / "proxy_config.yaml"
FLEET_CONFIG = PACKAGE / "proxy_config.fleet.yaml"


def _parser(prog: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Xiaomi MiMo for LiteLLM: serve it, write its proxy config, try it offline, check a key.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, description=description)

    serve = command(
        "serve", "run LiteLLM's proxy on the shipped config",
        "Run LiteLLM's proxy on the config shipped in this package (every MiMo model; the key from "
        "XIAOMI_API_KEY), from any directory. Any other option goes to LiteLLM's own CLI (--port, "
        "--num_workers, ...); --host is 127.0.0.1 unless given. Set LITELLM_MASTER_KEY to require a key "
        "of clients, and LITELLM_LOCAL_MODEL_COST_MAP=True when offline.")
    serve.add_argument("--fleet", action="store_true",
                       help="the fleet config instead: replicas sharing MiMo's limits through Redis "
                            "(REDIS_HOST, REDIS_PORT, REDIS_PASSWORD)")

    config = command(
        "config", "write the shipped proxy config to a file, for editing",
        "Write the proxy config shipped in this package to PATH, to edit and run with "
        "`litellm --config PATH`. With --fleet, PATH gets the fleet config and the base config it "
        "includes is written beside it, under the name its `include:` gives. Existing files are "
        "left alone unless --force.")
    config.add_argument("path", metavar="PATH", type=Path, help="where to write the config")
    config.add_argument("--fleet", action="store_true", help="the fleet config (Redis), and the base config beside it")
    config.add_argument("--force", action="store_true", help="overwrite existing files")

    tryout = command(
        "tryout", "try everything offline: a MiMo stand-in behind LiteLLM's proxy",
        "Start a local MiMo stand-in and LiteLLM's proxy on the shipped config, master key "
        "sk-local-master, no MiMo key needed; print one line per request served, until stopped (Ctrl-C).")
    tryout.add_argument("--port", type=int, default=None, help="the proxy's port (default 4000)")

    standin = command(
        "standin", "run the MiMo stand-in alone, printing its base URL",
        "Run the local MiMo stand-in (the mimo_standin package) on 127.0.0.1 and print its base URL, "
        "for XIAOMI_API_BASE; any key but 'invalid-key' is accepted. Serves until stopped (Ctrl-C).")
    standin.add_argument("--port", type=int, default=8999, help="the port (default 8999; 0 picks a free one)")

    command("doctor", "check what works with your MiMo key",
            "Check a MiMo key from where you are: the host that answers it, the models listed for it, "
            "one chat, speech and transcription. Reads XIAOMI_API_KEY (or XIAOMI_MIMO_API_KEY, MIMO_API_KEY).")
    return parser


def serve(fleet: bool, options: list[str]) -> int:
    config = FLEET_CONFIG if fleet else CONFIG
    if not any(o == "--host" or o.startswith("--host=") for o in options):
        options = ["--host", "127.0.0.1", *options]
    args = ["--config", str(config), *options]
    script = Path(sys.executable).parent / "litellm"
    if script.exists():
        os.execv(str(script), [str(script), *args])  # LiteLLM's CLI as if the user had typed it
    from litellm.proxy.proxy_cli import run_server  # noqa: PLC0415 (a Python without the script beside it)

    return run_server.main(args=args, prog_name="litellm-mimo serve")


def write_config(path: Path, fleet: bool, force: bool) -> int:
    writes = {path: (FLEET_CONFIG if fleet else CONFIG).read_text()}
    if fleet:
        for name in yaml.safe_load(writes[path]).get("include") or []:
            writes[path.parent / name] = (CONFIG.parent / name).read_text()
    if len(writes) < (2 if fleet else 1):
        sys.exit(f"{path} is the name the fleet config includes: give the fleet config another name")
    existing = [str(p) for p in writes if p.exists()]
    if existing and not force:
        sys.exit(f"not overwriting {', '.join(existing)} (--force overwrites)")
    for target, text in writes.items():
        target.write_text(text)
        print(f"wrote {target}")
    return 0


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    parser = _parser(prog)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "serve":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "serve":
        return serve(args.fleet, extra)
    if args.command == "config":
        return write_config(args.path, args.fleet, args.force)
    if args.command == "tryout":
        from .testing import tryout  # noqa: PLC0415

        tryout.main(args.port)
        return 0
    if args.command == "standin":
        from mimo_standin import main as standin  # noqa: PLC0415

        standin(["--port", str(args.port)])
        return 0
    from . import doctor  # noqa: PLC0415

    return doctor.run()
