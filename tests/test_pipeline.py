"""End-to-end invariants of real plans (both travel modes, several seeds)."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from conftest import TINY, plan_scenario

from planner.plan import Plan


def assert_invariants(plan: Plan, out) -> None:
    active = plan.customers[plan.customers["active"]]
    # territories partition the active customers
    a = plan.assignments
    assert sorted(a["customer_id"]) == sorted(active["customer_id"])
    assert a["customer_id"].is_unique
    # inactive customers are never planned
    inactive = set(plan.customers.loc[~plan.customers["active"], "customer_id"])
    assert not inactive & set(plan.visits["customer_id"])
    assert not inactive & set(plan.unscheduled["customer_id"])
    # every route inside the workday
    reps = plan.reps.set_index("rep_id")
    for _, r in plan.routes.iterrows():
        assert r["start_s"] >= reps.loc[r["rep_id"], "work_start_s"]
        assert r["end_s"] <= reps.loc[r["rep_id"], "work_end_s"]
    # visits are in order, do not overlap, and each visit is at its territory's rep
    for _key, g in plan.visits.groupby(["rep_id", "date"]):
        g = g.sort_values("seq")
        assert list(g["seq"]) == list(range(1, len(g) + 1))
        assert (g["start_s"].values[1:] >= g["departure_s"].values[:-1]).all()
    rep_of = dict(zip(a["customer_id"], a["rep_id"]))
    assert all(rep_of[c] == r for c, r in zip(plan.visits["customer_id"], plan.visits["rep_id"]))
    # kpis agree with the tables
    k = json.loads((out / "kpis.json").read_text())
    assert k["scheduled_visits"] == len(plan.visits)
    assert k["required_visits"] == len(plan.visits) + len(plan.unscheduled)
    assert k["overtime_h"] == 0
    # unscheduled visits carry a reason
    assert plan.unscheduled["reason"].map(lambda s: isinstance(s, str) and len(s) > 10).all()
    # every output of the data contract exists
    for name in (
        "visits.csv",
        "routes.csv",
        "unscheduled.csv",
        "assignments.csv",
        "territories.geojson",
        "kpis.json",
        "routes.geojson",
        "plan.json",
    ):
        assert (out / name).exists(), name


def test_road_plan_invariants_and_check(tiny_road_plan):
    from planner.check import check_plan_dir

    plan, out = tiny_road_plan
    assert_invariants(plan, out)
    assert plan.meta["travel_source"].startswith("road")
    assert len(plan.visits) > 20
    assert check_plan_dir(out) == []
    assert (out / "maps" / "index.html").exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_haversine_plan_invariants_over_seeds(tmp_path, seed):
    from planner.check import check_plan_dir

    text = (TINY / "haversine.yaml").read_text().replace("seed: 1", f"seed: {seed}")
    for f in ("customers.csv", "reps.csv"):
        shutil.copy(TINY / f, tmp_path / f)
    sc = tmp_path / "s.yaml"
    sc.write_text(text)
    plan, _ = plan_scenario(sc, tmp_path / "out", maps=False)
    assert_invariants(plan, tmp_path / "out")
    assert check_plan_dir(tmp_path / "out") == []


def test_same_seed_same_plan(tmp_path):
    p1, _ = plan_scenario(TINY / "haversine.yaml", tmp_path / "a", maps=False)
    p2, _ = plan_scenario(TINY / "haversine.yaml", tmp_path / "b", maps=False)
    for name in (
        "visits.csv",
        "routes.csv",
        "unscheduled.csv",
        "assignments.csv",
        "territories.geojson",
        "kpis.json",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_plan_roundtrip(tiny_road_plan):
    plan, out = tiny_road_plan
    back = Plan.from_dir(out)
    a, b = back.visits.reset_index(drop=True), plan.visits.reset_index(drop=True)
    # visits.csv holds HH:MM (rounded to the minute), minutes to 0.1 and km to 0.01
    for col, tol in (
        ("arrival_s", 30),
        ("start_s", 30),
        ("departure_s", 30),
        ("travel_s", 3),
        ("dist_m", 5),
    ):
        assert (a[col].astype(int) - b[col].astype(int)).abs().max() <= tol, col
    exact = [c for c in a.columns if not c.endswith(("_s", "_m"))]
    pd.testing.assert_frame_equal(a[exact], b[exact], check_dtype=False)
    assert len(back.route_lines) == len(plan.route_lines)


def test_vacant_territory_visits_are_reported(tmp_path):
    """territories.count > reps: the extra territory's due visits are unscheduled with a
    reason, and the plan still checks clean."""
    from planner.check import check_plan_dir

    sc = tmp_path / "vacant.yaml"
    sc.write_text(f"extends: {TINY / 'haversine.yaml'}\nterritories: {{count: 3}}\n")
    plan, _ = plan_scenario(sc, tmp_path / "out", maps=False)
    out = tmp_path / "out"
    vacant = set(plan.assignments.loc[plan.assignments["rep_id"] == "", "customer_id"])
    assert vacant
    uns = plan.unscheduled[plan.unscheduled["customer_id"].isin(vacant)]
    assert len(uns) and uns["reason"].str.contains("has no rep").all()
    assert not plan.visits["customer_id"].isin(vacant).any()
    assert check_plan_dir(out) == []
