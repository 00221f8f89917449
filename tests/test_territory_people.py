"""Territories that fit the people: each rep's capacity, reach from the start point,
contiguity with its reasons, and the contract on random teams with part-timers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import TINY
from territory_helpers import check_contract, design, instance

from planner.territory import TerritoryParams

KM_PER_DEG = 111.195


def _east_of(lat: float, lon: float, km: float) -> tuple[float, float]:
    return lat, lon + km / (KM_PER_DEG * np.cos(np.radians(lat)))


def _with_customer(inst, cid: str, lat: float, lon: float, tier: str = "C") -> pd.DataFrame:
    row = inst.customers.iloc[[0]].copy()
    row["customer_id"], row["name"], row["lat"], row["lon"] = cid, cid, lat, lon
    row["tier"], row["service_s"] = tier, inst.tiers[tier].service_s
    return pd.concat([inst.customers, row], ignore_index=True)


def test_monday_to_thursday_rep_gets_four_fifths_of_a_full_timers_workload():
    inst = instance(400, 4, 2)
    reps = inst.reps.copy()
    reps.at[1, "working_days"] = (0, 1, 2, 3)  # R2 works Monday-Thursday
    res = design(inst, TerritoryParams(seed=2), reps=reps)
    check_contract(res, inst.customers)
    t = res.territories.set_index("rep_id")
    assert t.at["R2", "capacity_h"] == pytest.approx(0.8 * t.at["R1", "capacity_h"])
    full = t.loc[["R1", "R3", "R4"], "workload_h"].mean()
    ratio = t.at["R2", "workload_h"] / full
    assert 0.7 <= ratio <= 0.9, ratio  # 4/5 within the +-10 % tolerance of each share
    # load over capacity is the same for everybody (within the tolerance)
    assert t["load_pct"].max() / t["load_pct"].min() <= 1.1 / 0.9
    # everybody on Monday-Friday: the shares are equal again
    even = design(inst, TerritoryParams(seed=2)).territories
    assert even["workload_h"].min() / even["workload_h"].max() >= 0.8


@pytest.mark.parametrize("seed,cap_h", [(1, 85.0), (1, 95.0), (3, 85.0), (3, 95.0)])
def test_team_short_of_time_fills_every_rep_to_capacity(seed, cap_h):
    # about 1.1-1.3x more work than time: every rep is full (the lowest-priority visits
    # go unscheduled), none is left below capacity while neighbours carry the excess
    # (before: the band's lower edge, 90 % of capacity, let a rep stay at 93-95 %)
    inst = instance(500, 6, seed)
    caps = {f"R{i}": cap_h for i in range(1, 7)}
    res = design(inst, TerritoryParams(seed=seed, rep_capacity_h=caps))
    check_contract(res, inst.customers)
    load = res.territories["load_pct"]
    assert load.mean() > 100.0  # the team is short of time
    assert load.min() >= 96.0, load.tolist()


@pytest.mark.parametrize("seed", [1, 6])
def test_redesign_ends_near_the_band_it_aims_at_not_at_the_tolerance_edge(seed):
    # the repairs stop once every territory is within the tolerance (+-10 %); a last
    # round aims at half of it (before: 6.7 % and 8.1 % on these two instances)
    inst = instance(400, 4, seed)
    reps = inst.reps.copy()
    reps.at[2, "working_days"] = (0, 1, 2, 3)  # R3 works Monday-Thursday
    res = design(inst, TerritoryParams(seed=seed), reps=reps)
    check_contract(res, inst.customers)
    t = res.territories
    assert t["deviation_pct"].abs().max() <= 6.0, t["deviation_pct"].tolist()
    assert t["contiguous"].all()


def test_rep_away_the_whole_horizon_gets_no_customers_and_a_warning():
    inst = instance(300, 3, 4)
    res = design(inst, TerritoryParams(seed=4, rep_capacity_h={"R3": 0.0}))
    check_contract(res, inst.customers)
    t = res.territories.set_index("rep_id")
    assert t.at["R3", "customers"] == 0 and t.at["R3", "capacity_h"] == 0
    assert "R3" not in set(res.assignments["rep_id"])
    away = [w for w in res.warnings if "no working time" in w]
    assert len(away) == 1 and "R3" in away[0]
    assert not any("have no customers" in w for w in res.warnings)


def test_capacity_from_the_calendar_counts_days_hours_lunch_and_absence(tmp_path):
    from planner.pipeline import read_scenario_inputs, rep_capacity_h
    from planner.scenario import load_scenario

    (tmp_path / "reps.csv").write_text(
        "id,name,home_lat,home_lon,working_days,unavailable,work_start,work_end\n"
        "R1,Full,60.17,24.94,Mo-Fr,,,\n"
        "R2,Part,60.17,24.94,Mo-Th,,,\n"
        "R3,Away,60.17,24.94,Mo-Fr,2026-11-30..2026-12-13,,\n"
        "R4,Short,60.17,24.94,Mo-Fr,2026-12-01,09:00,13:00\n",
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text(
        f"extends: {TINY / 'haversine.yaml'}\ncustomers: {TINY / 'customers.csv'}\n"
        "reps: reps.csv\n",
        encoding="utf-8",
    )
    sc = load_scenario(tmp_path / "s.yaml")  # 2 weeks, 08:00-16:30 with 30 min lunch
    cap = rep_capacity_h(sc, read_scenario_inputs(sc).reps)
    # per 4-week cycle: working dates x (hours - lunch) x 4 / 2 weeks
    assert cap["R1"] == pytest.approx(10 * 8.0 * 2)
    assert cap["R2"] == pytest.approx(8 * 8.0 * 2)
    assert cap["R3"] == 0.0
    assert cap["R4"] == pytest.approx(9 * 3.5 * 2)


def test_customer_only_one_rep_can_reach_goes_to_that_rep():
    inst = instance(300, 3, 6)
    reps = inst.reps.copy()
    east = int(reps["home_lon"].idxmax())
    west = int(reps["home_lon"].idxmin())
    # X: 110 km east of the easternmost home (4.1 h each way at 35 km/h x 1.3): nobody
    # reaches it in an 8.5-h day; the westernmost rep, who works 05:00-21:00, does
    lat, lon = _east_of(float(reps.at[east, "home_lat"]), float(reps.at[east, "home_lon"]), 110)
    cust = _with_customer(inst, "X", lat, lon)
    nearest = design(inst, customers=cust, reps=reps)
    assert nearest.assignments.set_index("customer_id").at["X", "rep_id"] == reps.at[east, "rep_id"]
    assert list(nearest.unreachable["customer_id"]) == ["X"]
    reps.at[west, "work_start_s"], reps.at[west, "work_end_s"] = 5 * 3600, 21 * 3600
    res = design(inst, customers=cust, reps=reps)
    check_contract(res, cust)
    w = reps.at[west, "rep_id"]
    assert res.assignments.set_index("customer_id").at["X", "rep_id"] == w
    assert len(res.unreachable) == 0
    tw = res.territories.set_index("rep_id").loc[w]
    # X cannot join its neighbours' territories: the territory says so when split
    assert tw["contiguous"] or "no neighbouring rep can reach customers X" in tw["contiguity_note"]


def test_unreachable_customer_is_reported_once_with_the_nearest_rep():
    inst = instance(300, 3, 7)
    lat, lon = _east_of(float(inst.reps.at[1, "home_lat"]), float(inst.reps.at[1, "home_lon"]), 300)
    cust = _with_customer(inst, "FAR", lat, lon, tier="A")
    res = design(inst, customers=cust)
    check_contract(res, cust)
    u = res.unreachable
    assert list(u["customer_id"]) == ["FAR"]
    row = u.iloc[0]
    assert row["nearest_rep_id"] in set(inst.reps["rep_id"])
    assert row["need_s"] > row["day_s"] == inst.workday.length_s
    assert row["rep_id"] == res.assignments.set_index("customer_id").at["FAR", "rep_id"]
    assert "no rep can reach" in row["reason"] and row["nearest_rep_id"] in row["reason"]
    mentions = [w for w in res.warnings if "FAR" in w]
    assert len(mentions) == 1 and "cannot be visited by any rep" in mentions[0]
    # it does not count towards the balance: the others stay within +-10 %
    assert res.territories["deviation_pct"].abs().max() <= 10.0
    # without such a customer the table is empty but has the same columns
    empty = design(inst).unreachable
    assert len(empty) == 0 and list(empty.columns) == list(u.columns)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_partition_and_contiguity_reasons_on_random_teams_with_part_timers(seed):
    rng = np.random.default_rng(seed)
    n_reps = int(rng.integers(3, 7))
    inst = instance(int(rng.integers(150, 400)), n_reps, seed, part_time_share=0.4)
    cust = inst.customers.copy()
    # a few pins to random reps and one customer nobody can reach
    pins = rng.choice(len(cust), 3, replace=False)
    cust.loc[pins, "rep_id"] = rng.choice(inst.reps["rep_id"].to_numpy(), 3)
    far = _with_customer(inst, "FAR", *_east_of(56.0, 9.5, 400))
    cust = pd.concat([cust, far.iloc[[-1]]], ignore_index=True)
    # the first rep's capacity drawn at random, the others from their working days
    cap = {str(inst.reps["rep_id"].iloc[0]): float(rng.uniform(0, 160))}
    res = design(inst, TerritoryParams(seed=seed, rep_capacity_h=cap), customers=cust)
    check_contract(res, cust)
    t = res.territories
    assert (t["contiguous"] | (t["contiguity_note"] != "")).all()
    assert "FAR" in set(res.unreachable["customer_id"])
    # pins hold
    a = res.assignments.set_index("customer_id")
    for i in pins:
        assert a.at[cust.at[i, "customer_id"], "rep_id"] == cust.at[i, "rep_id"]


def test_plan_keep_from_an_earlier_plan_moves_nobody(tiny_road_plan, tmp_path):
    import json
    import subprocess
    import sys

    from conftest import ROOT

    base_plan, base_dir = tiny_road_plan
    out = tmp_path / "next"
    cmd = [sys.executable, "-m", "planner", "plan", str(TINY / "road.yaml"), "--no-maps"]
    r = subprocess.run(
        [*cmd, "--keep-from", str(base_dir), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    meta = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert kpis["territory_moved_customers"] == 0
    assert meta["keep_from"] == str(base_dir)
    assert {t["territory_id"] for t in meta["territories"]} == set(
        base_plan.assignments["territory_id"]
    )
    assert all(t["contiguous"] or t["contiguity_note"] for t in meta["territories"])
    after = pd.read_csv(out / "assignments.csv", dtype=str)
    before = base_plan.assignments.astype(str)
    assert after.sort_values("customer_id").values.tolist() == (
        before.sort_values("customer_id").values.tolist()
    )
    # a folder that is not a plan: exit 2, the file named, nothing written
    bad = subprocess.run(
        [*cmd, "--keep-from", str(tmp_path), "--out", str(tmp_path / "x")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "assignments.csv" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "x").exists()
