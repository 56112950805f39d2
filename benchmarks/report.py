"""The one report writer: a benchmark row, the markdown table printed at the end of a run, and the
JSON (``benchmarks/results.json`` by default) with the machine it ran on."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.measure import ROOT

DEFAULT_JSON = ROOT / "benchmarks" / "results.json"


def row(group: str, name: str, unit: str, this: float | None, builtin: float | None = None,
        raw: float | None = None, target: str = "", met: bool | None = None, **extra: Any) -> dict:
    return {"group": group, "name": name, "unit": unit, "this": this, "builtin": builtin, "raw": raw,
            "this_over_builtin": this / builtin if this is not None and builtin else None,
            "this_minus_raw": this - raw if this is not None and raw is not None else None,
            "target": target, "met": met, **extra}


def time_row(group: str, name: str, this_ms: float, builtin_ms: float | None, raw_ms: float, **extra: Any) -> dict:
    """A per-call time row; with a built-in figure, the target is not being slower than it."""
    if builtin_ms is None:
        return row(group, name, "ms", this_ms, None, raw_ms, **extra)
    return row(group, name, "ms", this_ms, builtin_ms, raw_ms, target="this / built-in ≤ 1.0",
               met=this_ms <= builtin_ms, **extra)


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "litellm": importlib.metadata.version("litellm"), "httpx": importlib.metadata.version("httpx"),
            "litellm_mimo": importlib.metadata.version("litellm-mimo"), "git_commit": commit}


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("req/s", "turns", "characters"):
        return f"{value:,.0f}"
    if unit == "× audio":
        return f"{value:.3f}×"
    if unit == "ms" and value and abs(value) < 0.1:  # the cost of one call into a store, say
        return f"{value:.4f}"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"


def markdown_table(rows: list[dict]) -> str:
    lines = ["| benchmark | unit | this package | built-in `xiaomi_mimo` | raw httpx (or baseline) | this / built-in | "
             "this − raw | target |",
             "|---|---|--:|--:|--:|--:|--:|---|"]
    for r in rows:
        ratio = "—" if r["this_over_builtin"] is None else f"{r['this_over_builtin']:.2f}"
        verdict = "" if r["met"] is None else (" ✅ met" if r["met"] else " ❌ missed")
        lines.append(f"| {r['group']}: {r['name']} | {r['unit']} | {_cell(r['this'], r['unit'])} | "
                     f"{_cell(r['builtin'], r['unit'])} | {_cell(r['raw'], r['unit'])} | {ratio} | "
                     f"{_cell(r['this_minus_raw'], r['unit'])} | {r['target']}{verdict} |")
    return "\n".join(lines)


def write(result: dict, path: Path) -> None:
    """Print the run's heading and table, and write its JSON to ``path``."""
    machine, load = result["machine"], result["loadavg_1min"]
    print(f"\n{machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, LiteLLM {machine['litellm']}, "
          f"{result['mode']} run in {result['seconds']:.0f} s (medians; 1-min load average "
          f"{load['before']:.2f} before, {load['after']:.2f} after, the run itself included)\n")
    print(markdown_table(result["rows"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {path}")
