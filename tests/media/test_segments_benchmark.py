"""The segment benchmark runs end to end for a second a side (no rate is asserted, only that
every request was answered 200 and none reached the app on the nginx side)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
@pytest.mark.parametrize("baseline", ["waitress", "accel"])
def test_the_benchmark_runs_and_prints_the_ratio(baseline):
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "segments.py"), "--seconds", "1",
         "--connections", "2", "--client", "python", "--baseline", baseline],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert re.search(r"app +\(.*\): +\d+ req/s  non-200: 0", run.stdout), run.stdout
    assert re.search(r"nginx \(signed link.*\): +\d+ req/s  non-200: 0", run.stdout), run.stdout
    assert re.search(r"ratio nginx / app: [\d.]+x", run.stdout), run.stdout
    assert "reached the app during the nginx run: 0 " in run.stdout
