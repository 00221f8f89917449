"""Customers all at one point (issue 15, item 11): a geocoder that puts every unmatched
address on the city centre, or a shopping centre with hundreds of shops.

Such a location used to make one territory of every customer (one rep with all the work,
the others idle) and one huge calendar and routing problem. Now the location is shared
out between the territories (``planner.territory.cells.split_sites``): the plan passes
``planner check``, every rep gets a share, and every due visit is scheduled or reported
exactly once. Timings are in docs/benchmarks/one-point.md, never asserted here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _one_point():
    spec = importlib.util.spec_from_file_location(
        "planner_bench_one_point", ROOT / "benchmarks" / "one_point.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_customers_at_one_point_plan_check_and_share_out(tmp_path):
    from planner.check import check_plan_dir
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import load_scenario

    bench = _one_point()
    inst = bench.one_point_instance(240, 3, seed=2)
    scenario = bench.write_instance(inst, tmp_path / "in", weeks=1)
    plan = run_plan(load_scenario(scenario), workers=1)
    write_plan(plan, tmp_path / "plan", maps=False)
    violations = check_plan_dir(tmp_path / "plan")
    assert violations == [], "\n".join(map(str, violations[:10]))
    # territories partition the customers, and every rep has a share of the point
    a = plan.assignments
    assert sorted(a["customer_id"]) == sorted(inst.customers["customer_id"])
    per_rep = a.groupby("rep_id").size()
    assert len(per_rep) == 3 and per_rep.min() >= 240 / 3 * 0.7, per_rep.to_dict()
    # every due visit scheduled or reported, exactly once; every rep visits
    keys = [(v.customer_id, v.due_date) for v in plan.visits.itertuples()]
    keys += [(u.customer_id, u.due_date) for u in plan.unscheduled.itertuples()]
    assert len(keys) == len(set(keys))
    assert plan.kpis["required_visits"] == len(keys)
    assert plan.visits["rep_id"].nunique() == 3
    assert any("shared out" in w for w in plan.meta["warnings"])
