"""benchmarks/stack_load.py runs against the whole stack of deploy/ and prints its figures:
a tiny ``--quick`` run (a few viewers, a round of 2 s per kind) with no failed request."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.deploy.stack import missing_tools

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="the stack runs on PostgreSQL: LMS_TEST_DATABASE_URL"),
    pytest.mark.skipif(not REDIS_URL, reason="the stack shares Redis: LMS_TEST_REDIS_URL"),
    pytest.mark.skipif(bool(missing_tools()), reason=f"missing: {missing_tools()}"),
]


def test_quick_run_prints_the_ratios_and_no_error():
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "stack_load.py"),
            "--quick",
            "--viewers",
            "4",
            "--pg-url",
            PG_URL,
            "--redis-url",
            REDIS_URL,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert re.search(r"beats / no-op throughput ratio: \d+\.\d\d", out), out
    assert re.search(r"viewers' beats / no-op throughput ratio: \d+\.\d\d", out), out
    # Every kind was served: no-ops, beats, and segments beside the viewers' beats.
    for label in ("GET /api/v1/me", "POST beats", "viewers: beats", "viewers: segments"):
        row = re.search(rf"^{re.escape(label)}\s+([\d.]+)\s", out, re.MULTILINE)
        assert row and float(row.group(1)) > 0, (label, out)
    assert re.search(r"rows written per beat: \d", out), out
    assert re.search(r"CPU ms per request", out), out
    assert "errors: 0" in out, out
