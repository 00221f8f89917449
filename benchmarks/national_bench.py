"""Territories that fit the people (issue 13), measured on the national instance.

Three measurements, each a sub-command (figures in docs/benchmarks/territories-people.md)::

    # 1. the whole plan of the national instance (40,000 customers / 200 reps, 4 weeks)
    .venv/bin/python benchmarks/national_bench.py plan --workers 2 --json /tmp/nat.json
    #    ... with part-timers (20 % of reps on 3 or 4 days)
    .venv/bin/python benchmarks/national_bench.py plan --part-timers --json /tmp/nat_pt.json
    #    quick, national-like: --customers 4000 --reps 20 (same density)
    # 2. territories only (seconds instead of minutes)
    .venv/bin/python benchmarks/national_bench.py design [--part-timers]
    # 3. what-if "a rep leaves" on 1,000 / 8: every rep leaving in turn, keep mode
    .venv/bin/python benchmarks/national_bench.py leaver --customers 1000 --reps 8

What ``plan`` reports (issue 13's measures):

- reps who have customers they can reach but plan 0 hours;
- routed rep hours (first departure to return, summed over the horizon) against each
  rep's capacity-proportional share of all routed hours (share = all hours x the rep's
  capacity / the team's): the largest deviation, and the reps beyond 15 % (part-timers:
  10 %) listed with their territory's load (workload over capacity);
- reps whose start point (home) lies inside or touches their territory;
- customers no rep can reach (counted; each has its reason in ``unscheduled.csv``);
- coverage, unscheduled visits by tier, run time per stage.

``design`` reports the same territory figures without routing. ``leaver`` plans the
territories of the base (redesign), then, for each rep in turn, the what-if without them
in keep mode from the base's territories (what ``planner compare`` does by default) and
counts the customers whose rep changed: the leaver's, and others (and, as the peer, the
others a redesign of the same what-if changes).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import national_instance, write_instance  # noqa: E402


def _scenario(a, tmp: Path):
    from planner.scenario import load_scenario

    inst = national_instance(a.customers, a.reps, a.seed, part_timers=a.part_timers)
    return load_scenario(write_instance(inst, tmp, weeks=a.weeks))


def territory_figures(terr, capacity: dict) -> dict:
    """Homes, contiguity, balance against capacity, reach: from a TerritoryResult."""
    t = terr.territories
    reps = t[t["rep_id"] != ""]
    with_work = reps[reps["capacity_h"] > 0]
    return {
        "territories": len(t),
        "max_abs_deviation_pct": float(with_work["deviation_pct"].abs().max()),
        "over_tolerance": int((with_work["deviation_pct"].abs() > 10.0 + 1e-9).sum()),
        "load_pct_min_mean_max": [
            float(with_work["load_pct"].min()),
            round(float(with_work["load_pct"].mean()), 1),
            float(with_work["load_pct"].max()),
        ],
        "not_contiguous": int((~t["contiguous"]).sum()),
        "contiguity_notes": [
            f"{r.territory_id}: {r.contiguity_note}"
            for r in t.itertuples()
            if r.contiguity_note and not r.contiguous
        ][:20],
        "homes_inside": int(reps["home_in_territory"].sum()),
        "homes_inside_or_touching": int(reps["home_touches_territory"].sum()),
        "reps": len(reps),
        "homes_away_km": sorted(
            float(x) for x in reps.loc[~reps["home_touches_territory"], "home_distance_km"]
        ),
        "commute_h_min_mean_max": [
            float(reps["commute_h"].min()),
            round(float(reps["commute_h"].mean()), 1),
            float(reps["commute_h"].max()),
        ],
        "unreachable_customers": 0 if terr.unreachable is None else len(terr.unreachable),
        "unreachable_examples": []
        if terr.unreachable is None
        else terr.unreachable["reason"].head(3).tolist(),
        "capacity_h_total": round(sum(capacity.values()), 1),
    }


def run_design(a) -> dict:
    from planner.pipeline import build_travel, design, read_scenario_inputs, rep_capacity_h

    with tempfile.TemporaryDirectory() as tmp:
        sc = _scenario(a, Path(tmp))
        inputs = read_scenario_inputs(sc)
        travel = build_travel(sc, inputs)
        t0 = time.perf_counter()
        terr = design(sc, inputs, travel)
        out = {"design_s": round(time.perf_counter() - t0, 1)}
        out.update(territory_figures(terr, rep_capacity_h(sc, inputs.reps)))
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def hours_vs_capacity(kpis: dict, capacity: dict, territories: pd.DataFrame, limit: float):
    """Routed hours of each rep against their capacity-proportional share of all hours."""
    hours = {r: float(kpis["rep_hours_by_rep"].get(r, 0.0)) for r in capacity}
    total_h, total_cap = sum(hours.values()), sum(capacity.values())
    load = territories.set_index("rep_id")["load_pct"]
    rows = []
    for r, cap in capacity.items():
        if cap <= 0:
            continue
        share = total_h * cap / total_cap
        dev = (hours[r] - share) / share * 100.0
        rows.append((r, hours[r], share, dev, float(load.get(r, np.nan))))
    devs = np.array([x[3] for x in rows])
    outside = [
        {"rep": r, "hours": round(h, 1), "share": round(s, 1), "dev_pct": round(d, 1), "load": ld}
        for r, h, s, d, ld in rows
        if abs(d) > limit
    ]
    ratio = np.array([x[1] / capacity[x[0]] for x in rows])
    return {
        "max_abs_dev_from_share_pct": round(float(np.abs(devs).max()), 1),
        "reps_beyond_limit": outside,
        "hours_per_capacity_h_min_mean_max": [
            round(float(ratio.min()), 3),
            round(float(ratio.mean()), 3),
            round(float(ratio.max()), 3),
        ],
    }


def run_plan(a) -> dict:
    from planner.pipeline import (
        build_travel,
        design,
        read_scenario_inputs,
        rep_capacity_h,
    )
    from planner.pipeline import (
        run_plan as plan_it,
    )

    with tempfile.TemporaryDirectory() as tmp:
        sc = _scenario(a, Path(tmp))
        t0 = time.perf_counter()
        plan = plan_it(sc, workers=a.workers)
        total = time.perf_counter() - t0
        inputs = read_scenario_inputs(sc)
        cap = rep_capacity_h(sc, inputs.reps)
        if a.territories:  # the territory figures again (cheap next to routing)
            terr = design(sc, inputs, build_travel(sc, inputs))
            figs = territory_figures(terr, cap)
        else:
            figs = {}
    k = plan.kpis
    t = plan.territories
    unreach = set(
        plan.unscheduled.loc[
            plan.unscheduled["reason"].str.startswith("no rep can reach"), "customer_id"
        ]
    )
    a_ = plan.assignments
    with_reachable = set(a_.loc[~a_["customer_id"].isin(unreach), "rep_id"])
    zero = [
        r
        for r, h in k["rep_hours_by_rep"].items()
        if h == 0 and cap.get(r, 0) > 0 and r in with_reachable
    ]
    limit = 10.0 if a.part_timers else 15.0
    out = {
        "customers": a.customers,
        "reps": a.reps,
        "part_timers": a.part_timers,
        "total_s": round(total, 1),
        "runtimes": plan.meta["runtimes"],
        "coverage_pct": k["coverage_pct"],
        "required_visits": k["required_visits"],
        "unscheduled_by_tier": k.get("unscheduled_by_tier"),
        "rep_hours": k["rep_hours"],
        "reps_at_zero_hours_with_time": zero,
        "reps_with_reachable_customers": len(with_reachable),
        "unreachable_customers": k.get("unreachable_customers"),
        "homes_inside": int(t.loc[t["rep_id"] != "", "home_in_territory"].sum()),
        "homes_inside_or_touching": int(t.loc[t["rep_id"] != "", "home_touches_territory"].sum()),
        "peak_mb_main_children": [
            round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        ],
        **hours_vs_capacity(k, cap, t, limit),
    }
    out["territory_figures"] = figs
    return out


def run_leaver(a) -> dict:
    """Base territories, then each rep leaving in turn (keep mode from the base)."""
    from planner.pipeline import Inputs, build_travel, design, read_scenario_inputs

    with tempfile.TemporaryDirectory() as tmp:
        sc = _scenario(a, Path(tmp))
        inputs = read_scenario_inputs(sc)
        travel = build_travel(sc, inputs)
        base = design(sc, inputs, travel)
        rep_of = dict(zip(base.assignments["customer_id"], base.assignments["rep_id"], strict=True))
        tid_of = dict(
            zip(base.assignments["customer_id"], base.assignments["territory_id"], strict=True)
        )
        rows = []
        for leaver in inputs.reps["rep_id"]:
            cust = inputs.customers.copy()
            cust["territory_id"] = cust["customer_id"].map(tid_of)
            reps = inputs.reps[inputs.reps["rep_id"] != leaver].reset_index(drop=True)
            t0 = time.perf_counter()
            res = design(sc, Inputs(cust, reps, inputs.appointments), travel, "keep")
            secs = time.perf_counter() - t0
            new = dict(zip(res.assignments["customer_id"], res.assignments["rep_id"], strict=True))
            theirs = [c for c, r in rep_of.items() if r == leaver]
            others = [c for c, r in rep_of.items() if r != leaver]
            moved_others = sum(new[c] != rep_of[c] for c in others)
            # the peer: the same what-if redesigned from scratch
            fresh = design(sc, Inputs(inputs.customers, reps, inputs.appointments), travel)
            rdz = dict(
                zip(fresh.assignments["customer_id"], fresh.assignments["rep_id"], strict=True)
            )
            redesign_others = sum(rdz[c] != rep_of[c] for c in others)
            rows.append(
                {
                    "leaver": leaver,
                    "leaver_customers": len(theirs),
                    "others_changed": int(moved_others),
                    "others_changed_pct": round(100.0 * moved_others / len(others), 2),
                    "max_abs_deviation_pct": float(res.territories["deviation_pct"].abs().max()),
                    "keep_s": round(secs, 2),
                    "redesign_others_changed_pct": round(100.0 * redesign_others / len(others), 2),
                }
            )
    return {
        "customers": a.customers,
        "reps": a.reps,
        "cases": rows,
        "max_others_changed_pct": max(r["others_changed_pct"] for r in rows),
        "cases_over_5_pct": sum(r["others_changed_pct"] > 5.0 for r in rows),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("plan", "design", "leaver"))
    ap.add_argument("--customers", type=int, default=None)
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--part-timers", action="store_true")
    ap.add_argument(
        "--territories", action="store_true", help="plan: also the territory-only figures"
    )
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    if a.customers is None:
        a.customers = 1000 if a.what == "leaver" else 40_000
    if a.reps is None:
        a.reps = 8 if a.what == "leaver" else 200
    out = {"plan": run_plan, "design": run_design, "leaver": run_leaver}[a.what](a)
    out["command"] = " ".join(sys.argv)
    text = json.dumps(out, indent=1, default=str)
    if a.json:
        a.json.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
