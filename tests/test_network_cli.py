"""Unusable road network data through the real command line: exit 3, a clear message, no
traceback, and an existing output directory left as it was."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"


def scenario_with_network(tmp_path: Path, network: str) -> Path:
    path = tmp_path / "road_broken.yaml"
    path.write_text(
        f"extends: {TINY / 'haversine.yaml'}\nname: broken network\n"
        f'travel: {{mode: road, network: "{network}", network_type: drive, '
        f'cache_dir: "{tmp_path / "cache"}"}}\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("corrupt.osm.pbf", b"\x00\x01 not a pbf at all" * 50, "cannot read the OSM file"),
        ("missing.osm.pbf", None, "road network file not found"),
    ],
)
def test_plan_with_unusable_network_exits_3_and_keeps_old_output(tmp_path, name, content, message):
    net = tmp_path / name
    if content is not None:
        net.write_bytes(content)
    out = tmp_path / "plan"
    out.mkdir()
    (out / "previous.csv").write_text("kept\n", encoding="utf-8")
    (out / "plan.json").write_text("{}\n", encoding="utf-8")  # an earlier plan: replaceable
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.cli",
            "plan",
            str(scenario_with_network(tmp_path, str(net))),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert res.returncode == 3, res.stderr
    assert message in res.stderr and name in res.stderr
    assert "Traceback" not in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "previous.csv"]
    assert (out / "previous.csv").read_text(encoding="utf-8") == "kept\n"
