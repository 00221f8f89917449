"""Keep mode (rebalance an existing design moving few customers) and pinned customers."""

from __future__ import annotations

import numpy as np
import pytest
from territory_helpers import (
    check_contract,
    design,
    instance,
    max_deviation_pct,
    travel_for,
)

from planner.territory import TerritoryParams, customer_workload_h


def unbalanced(seed: int, excess: float = 0.25):
    """A balanced design whose T-R1 then grabs neighbours' customers until it carries
    ``excess`` more workload than the mean (the existing territories of the test)."""
    inst = instance(500, 4, seed)
    base = design(inst, TerritoryParams(seed=seed))
    tid = base.assignments["territory_id"].to_numpy().copy()
    wl = base.territories.set_index("territory_id")["workload_h"]
    target = wl.mean() * (1 + excess)
    # per-customer workload: a single-territory design gives each customer's share
    per = per_customer_workload(inst)
    home = inst.reps.set_index("rep_id").loc["R1", ["home_lat", "home_lon"]].to_numpy(float)
    d = np.hypot(inst.customers["lat"] - home[0], inst.customers["lon"] - home[1])
    load = wl["T-R1"]
    grabbed = 0
    for i in np.argsort(d.to_numpy(), kind="stable"):
        if load >= target:
            break
        if tid[i] != "T-R1":
            tid[i] = "T-R1"
            load += per[i]
            grabbed += 1
    cust = inst.customers.copy()
    cust["territory_id"] = tid
    return inst, cust, grabbed


def per_customer_workload(inst) -> np.ndarray:
    """Each customer's workload hours, as design_territories computes them."""
    return customer_workload_h(
        inst.customers,
        inst.tiers,
        4,
        reps=inst.reps,
        travel=travel_for(inst.customers, inst.reps),
        workday=inst.workday,
    ).to_numpy()


@pytest.mark.parametrize("seed", [0, 3])
def test_keep_rebalances_a_25_percent_imbalance_moving_few(seed):
    inst, cust, grabbed = unbalanced(seed=seed)
    before = design(inst, TerritoryParams(method="keep", balance_tolerance=1.0), customers=cust)
    assert before.moved == 0  # nothing to fix at +-100 %
    assert before.territories.set_index("territory_id").loc["T-R1", "deviation_pct"] > 15
    res = design(inst, TerritoryParams(method="keep"), customers=cust)
    check_contract(res, cust)
    assert max_deviation_pct(res) <= 10.0
    assert 0 < res.moved <= 1.5 * grabbed
    moved = res.assignments["territory_id"].to_numpy() != cust["territory_id"].to_numpy()
    assert moved.sum() == res.moved
    assert res.moved_workload_h > 0
    assert any(f"{res.moved} customers moved" in w for w in res.warnings)
    # a fresh design ignores the existing territories and changes far more
    fresh = design(inst, TerritoryParams(method="redesign"), customers=cust)
    changed = (fresh.assignments["territory_id"].to_numpy() != cust["territory_id"]).sum()
    assert fresh.moved == 0 and changed > res.moved


def test_keep_with_balanced_territories_moves_nobody():
    inst = instance(400, 4, 3)
    base = design(inst)
    cust = inst.customers.copy()
    cust["territory_id"] = base.assignments["territory_id"].to_numpy()
    res = design(inst, TerritoryParams(method="keep"), customers=cust)
    assert res.moved == 0
    assert (res.assignments["territory_id"] == base.assignments["territory_id"]).all()


def test_keep_keeps_user_territory_names_and_matches_reps():
    inst = instance(300, 3, 4)
    base = design(inst)
    names = {"T-R1": "North", "T-R2": "Centre", "T-R3": "South"}
    cust = inst.customers.copy()
    cust["territory_id"] = base.assignments["territory_id"].map(names).to_numpy()
    res = design(inst, TerritoryParams(method="keep"), customers=cust)
    t = res.territories.set_index("territory_id")
    assert t.loc[["North", "Centre", "South"], "rep_id"].tolist() == ["R1", "R2", "R3"]
    assert res.moved == 0


def test_keep_without_territory_ids_designs_afresh():
    inst = instance(200, 2, 5)
    res = design(inst, TerritoryParams(method="keep"))
    assert any("designed afresh" in w for w in res.warnings)
    check_contract(res, inst.customers)


def test_pinned_customers_never_move_in_either_method():
    inst, cust, _ = unbalanced(seed=1)
    # pin customers that sit in T-R2 to R3, and some of T-R1's to R1
    rng = np.random.default_rng(0)
    in_r2 = np.flatnonzero(cust["territory_id"].to_numpy() == "T-R2")
    in_r1 = np.flatnonzero(cust["territory_id"].to_numpy() == "T-R1")
    pin3 = rng.choice(in_r2, 3, replace=False)
    pin1 = rng.choice(in_r1, 20, replace=False)
    cust["rep_id"] = None
    cust.loc[pin3, "rep_id"] = "R3"
    cust.loc[pin1, "rep_id"] = "R1"
    for method in ("keep", "redesign"):
        res = design(inst, TerritoryParams(method=method), customers=cust)
        check_contract(res, cust)
        a = res.assignments
        assert (a.loc[pin3, "rep_id"] == "R3").all(), method
        assert (a.loc[pin1, "rep_id"] == "R1").all(), method


def test_pins_far_inside_another_territory_are_reported():
    inst = instance(300, 3, 6)
    base = design(inst)
    cust = inst.customers.copy()
    cust["rep_id"] = None
    # the customer of T-R2 closest to R2's home, pinned to R1: deep inside T-R2
    home = inst.reps.set_index("rep_id").loc["R2", ["home_lat", "home_lon"]].to_numpy(float)
    in_r2 = base.assignments["territory_id"].to_numpy() == "T-R2"
    d = np.hypot(cust["lat"] - home[0], cust["lon"] - home[1]).where(in_r2, np.inf)
    deep = int(d.idxmin())
    cust.loc[deep, "rep_id"] = "R1"
    res = design(inst, customers=cust)
    check_contract(res, cust)
    assert res.assignments.loc[deep, "territory_id"] == "T-R1"
    t1 = res.territories.set_index("territory_id").loc["T-R1"]
    assert not t1["contiguous"]
    assert any("several pieces" in w and "T-R1" in w for w in res.warnings)


def test_moved_counts_customers_of_dissolved_territories():
    inst = instance(300, 2, 8)
    base = design(inst)
    cust = inst.customers.copy()
    tid = base.assignments["territory_id"].to_numpy().copy()
    # a third, rep-less territory carved out of T-R2
    idx = np.flatnonzero(tid == "T-R2")[:15]
    tid[idx] = "Old-East"
    cust["territory_id"] = tid
    res = design(inst, TerritoryParams(method="keep"), customers=cust)
    assert any("Old-East" in w for w in res.warnings)
    assert "Old-East" not in set(res.assignments["territory_id"])
    assert res.moved >= 15
    # moved counts exactly the customers whose territory id changed, dissolved ones included
    changed = res.assignments["territory_id"].to_numpy() != tid
    assert changed[idx].all()
    assert res.moved == int(changed.sum())
