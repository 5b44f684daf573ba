"""The beat load benchmark runs end to end in a tiny configuration (no timing is asserted)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_runs_and_its_beats_are_accepted_and_credited():
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "beats_load.py"),
            "--quick",
            "--backends",
            "sqlite",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    accepted = re.search(r"sqlite: beats accepted (\d+), credited (\d+) s", out)
    assert accepted, out
    assert int(accepted.group(1)) > 0
    assert int(accepted.group(2)) > 0  # the beats played real time, so they earned some
    assert re.search(r"GET /api/v1/me +[\d.]+ req/s .* accepted [1-9]\d*, refused 0", out), out
    assert re.search(r"POST beats +[\d.]+ req/s .* refused 0", out), out
    assert re.search(r"beats / no-op throughput ratio: \d+\.\d\d", out), out
    assert re.search(r"compact: -?[\d.]+ KiB per cadre-year", out), out
