"""The benchmark runs (quick mode) so it cannot rot. Nothing here is timed: the figures are the
benchmark's business (README, "Benchmarks")."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.proxy

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_runs_and_reports_every_row(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--json", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(out.read_text())
    groups = {row["group"] for row in results["rows"]}
    assert {"chat in code", "proxy", "audio", "import"} <= groups
    assert all(isinstance(row["this"], (int, float)) for row in results["rows"])
    assert "| benchmark |" in run.stdout
