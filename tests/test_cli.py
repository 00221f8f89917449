"""The CLI: exit codes, messages, no tracebacks for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TINY

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "planner", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_help_has_examples():
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("validate", "plan", "demo", "check", "maps", "territories"):
        assert cmd in r.stdout
        sub = run(cmd, "--help")
        assert sub.returncode == 0 and "Example" in sub.stdout, cmd


def test_validate_ok():
    r = run("validate", TINY / "haversine.yaml")
    assert r.returncode == 0, r.stderr
    assert "33 active" in r.stdout


def test_validate_bad_scenario_exit_2(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("customers: nope.csv\nreps: nope.csv\nhorizon: {start: 2026-11-30}\nwrokday: {}\n")
    r = run("validate", p)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "did you mean 'workday'" in r.stderr and "nope.csv does not exist" in r.stderr


def test_plan_and_check_cli(tmp_path):
    out = tmp_path / "plan"
    r = run("plan", TINY / "haversine.yaml", "--out", out, "--no-maps")
    assert r.returncode == 0, r.stderr
    assert (out / "visits.csv").exists()
    r = run("check", out)
    assert r.returncode == 0, r.stdout + r.stderr
    # a manual edit that breaks the plan is caught (exit 4)
    lines = (out / "visits.csv").read_text().splitlines()
    header = lines[0].split(",")
    i = header.index("start")
    row = lines[1].split(",")
    row[i] = "23:50"
    lines[1] = ",".join(row)
    (out / "visits.csv").write_text("\n".join(lines) + "\n")
    r = run("check", out)
    assert r.returncode == 4
    assert "Traceback" not in r.stderr


# ---- every invalid fixture through the real CLI: message and exit code 2, no traceback
from test_io_invalid import INVALID_CASES, params_for_case  # noqa: E402


def _scenario_for(tmp_path: Path, filename: str, kind: str) -> Path:
    p = params_for_case(filename, kind)
    lines = [f"customers: {p.customers_path}", f"reps: {p.reps_path}"]
    if p.appointments_path is not None:
        lines.append(f"appointments: {p.appointments_path}")
    lines.append("horizon: {start: 2026-11-30, weeks: 4}")
    s = tmp_path / "scenario.yaml"
    s.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return s


@pytest.mark.parametrize(
    ("filename", "kind", "row", "column", "message"),
    INVALID_CASES,
    ids=[c[0] for c in INVALID_CASES],
)
def test_invalid_file_through_cli(tmp_path, filename, kind, row, column, message):
    import re

    from typer.testing import CliRunner

    from planner.cli import app

    result = CliRunner().invoke(app, ["validate", str(_scenario_for(tmp_path, filename, kind))])
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 2, text
    assert re.search(message, text, flags=re.S), text
    assert "Traceback" not in text
    assert filename in text
    flat = " ".join(text.split())  # rich wraps long lines
    if row is not None:
        assert f"row {row}" in flat, text
    if column is not None:
        assert f"column '{column}'" in flat, text
