"""Bad and awkward input: clear errors or sensible results, never a crash."""

from __future__ import annotations

import numpy as np
import pytest
from territory_helpers import check_contract, design, instance, travel_for

from planner.errors import InputError
from planner.territory import TerritoryParams, design_territories


def test_more_reps_than_customers_leaves_empty_territories():
    inst = instance(3, 5, 0)
    res = design(inst)
    check_contract(res, inst.customers)
    t = res.territories
    assert len(t) == 5
    assert (t["customers"] > 0).sum() == 3
    assert t.loc[t["customers"] == 0].geometry.is_empty.all()
    assert any("have no customers" in w for w in res.warnings)


def test_single_customer_single_rep():
    inst = instance(1, 1, 0)
    res = design(inst)
    check_contract(res, inst.customers)
    assert res.territories["deviation_pct"].tolist() == [0.0]


def test_rep_without_home_is_an_input_error():
    inst = instance(50, 2, 0)
    travel = travel_for(inst.customers, inst.reps)
    reps = inst.reps.copy()
    reps.loc[1, "home_lat"] = np.nan
    with pytest.raises(InputError, match="rep R2 has no home location"):
        design_territories(
            inst.customers, reps, travel, inst.tiers, inst.workday, TerritoryParams()
        )


def test_all_customers_pinned_to_one_rep():
    inst = instance(120, 3, 1)
    cust = inst.customers.copy()
    cust["rep_id"] = "R2"
    res = design(inst, customers=cust)
    check_contract(res, cust)
    assert (res.assignments["territory_id"] == "T-R2").all()
    assert any("outside the balance tolerance" in w and "pinned" in w for w in res.warnings)
    assert any("have no customers" in w for w in res.warnings)


def test_duplicate_points_go_to_one_territory():
    inst = instance(200, 3, 2)
    cust = inst.customers.copy()
    # ten customers at the exact location of customer 0, ten at customer 1's
    cust.loc[10:19, ["lat", "lon"]] = cust.loc[0, ["lat", "lon"]].to_numpy()
    cust.loc[20:29, ["lat", "lon"]] = cust.loc[1, ["lat", "lon"]].to_numpy()
    res = design(inst, customers=cust)
    check_contract(res, cust)
    tid = res.assignments["territory_id"]
    assert tid[[0, *range(10, 20)]].nunique() == 1
    assert tid[[1, *range(20, 30)]].nunique() == 1
    assert any("share their location" in w for w in res.warnings)


def test_duplicate_points_pinned_to_different_reps_are_kept_and_reported():
    inst = instance(100, 2, 3)
    cust = inst.customers.copy()
    cust.loc[5, ["lat", "lon"]] = cust.loc[4, ["lat", "lon"]].to_numpy()
    cust["rep_id"] = None
    cust.loc[4, "rep_id"] = "R1"
    cust.loc[5, "rep_id"] = "R2"
    res = design(inst, customers=cust)
    check_contract(res, cust, inside=False, contiguous=False)
    assert res.assignments.loc[4, "rep_id"] == "R1"
    assert res.assignments.loc[5, "rep_id"] == "R2"
    assert any("pinned to another rep" in w for w in res.warnings)


def test_pin_to_unknown_rep_is_an_input_error():
    inst = instance(50, 2, 0)
    cust = inst.customers.copy()
    cust["rep_id"] = None
    cust.loc[3, "rep_id"] = "R9"
    with pytest.raises(InputError, match="pinned to rep 'R9'") as e:
        design(inst, customers=cust)
    assert e.value.problems[0].row == 5  # source_row of the 4th customer


def test_no_customers_is_an_input_error():
    inst = instance(10, 2, 0)
    with pytest.raises(InputError, match="no active customers"):
        design(inst, customers=inst.customers.iloc[:0])


def test_bad_balance_column_lists_rows():
    inst = instance(30, 2, 0)
    cust = inst.customers.copy()
    cust.loc[[2, 7], "revenue"] = ["n/a", "-5"]
    with pytest.raises(InputError) as e:
        design(inst, TerritoryParams(balance="column", balance_column="revenue"), customers=cust)
    assert [p.row for p in e.value.problems] == [4, 9]
    with pytest.raises(InputError, match="'turnover' is not in the customer file"):
        design(inst, TerritoryParams(balance="column", balance_column="turnover"))


def test_count_below_pinned_reps_is_an_input_error():
    inst = instance(60, 3, 0)
    cust = inst.customers.copy()
    cust["rep_id"] = None
    cust.loc[0, "rep_id"], cust.loc[1, "rep_id"] = "R1", "R3"
    with pytest.raises(InputError, match="territories.count is 1 but customers are pinned"):
        design(inst, TerritoryParams(count=1), customers=cust)


def test_bad_params_are_rejected():
    with pytest.raises(ValueError, match="method"):
        TerritoryParams(method="shuffle")
    with pytest.raises(ValueError, match="balance_column"):
        TerritoryParams(balance="column")
    with pytest.raises(ValueError, match="balance_tolerance"):
        TerritoryParams(balance_tolerance=0)


def test_collinear_customers():
    inst = instance(40, 2, 0)
    cust = inst.customers.copy()
    cust["lat"] = 56.0
    cust["lon"] = 9.5 + np.linspace(0, 0.3, len(cust))
    res = design(inst, customers=cust)
    check_contract(res, cust)


@pytest.mark.parametrize("where", ["all", "some"])
def test_location_with_too_much_work_is_shared_out(where):
    """300 customers at one point (or 150 of them at one point among spread ones): the
    location is cut into wedges shared out between the territories, so each rep gets a
    share within the balance tolerance, and the polygons still partition the area
    (each territory one piece, the point on every territory that has customers there)."""
    inst = instance(300, 3, 5)
    cust = inst.customers.copy()
    if where == "all":
        cust["lat"], cust["lon"] = 56.0, 9.5
    else:
        cust.loc[100:249, ["lat", "lon"]] = cust.loc[0, ["lat", "lon"]].to_numpy()
    res = design(inst, customers=cust)
    check_contract(res, cust)
    t = res.territories
    assert (t["customers"] > 0).all()
    assert t["deviation_pct"].abs().max() <= 10.0
    at_point = res.assignments["territory_id"][100:250]
    assert at_point.nunique() >= 2
    assert any("shared out" in w for w in res.warnings)
    if where == "all":
        again = design(inst, customers=cust)  # same input, same territories
        assert again.assignments.equals(res.assignments)
