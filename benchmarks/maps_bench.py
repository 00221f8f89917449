"""Maps benchmark: a 5,000-customer / 25-rep plan's overview and rep-day pages.

Measures what planners and reps wait for: render time in Python, file sizes, and load
time in Debian's headless Chromium (offline: every http(s) request aborted, so tiles
never load and the numbers do not depend on a tile server).

Usage (from the repo root)::

    .venv/bin/python benchmarks/maps_bench.py                    # generated instance, pipeline
    .venv/bin/python benchmarks/maps_bench.py --scenario S.yaml  # any scenario, pipeline
    .venv/bin/python benchmarks/maps_bench.py --plan-dir DIR     # a plan already written
    .venv/bin/python benchmarks/maps_bench.py --synthetic        # tables, no planner

By default the plan is a real one: ``benchmarks/generate.py`` makes a seeded instance
(5,000 customers, 25 reps, haversine travel, 4 weeks) and ``planner.pipeline.run_plan``
plans it; the plan is written to ``OUT/plan`` (reuse it with ``--plan-dir``).

The ``--synthetic`` plan is built from tables, not by the planner: customers in
Gaussian clusters over a Porto-sized area (35 x 46 km), reps at k-means centres,
Voronoi territories, a 4-week calendar (tier A weekly, B fortnightly, C monthly; at
most 14 visits a day), nearest-neighbour day order, and road-like route lines (25
points per leg), so page sizes are those of a real plan of that size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from planner.hours import ALWAYS_OPEN  # noqa: E402
from planner.plan import Plan  # noqa: E402
from planner.units import haversine_m  # noqa: E402

TIERS = {"A": (1, 45 * 60, 0.15), "B": (2, 30 * 60, 0.35), "C": (4, 20 * 60, 0.50)}


def synthetic_plan(
    n_customers: int = 5000, n_reps: int = 25, weeks: int = 4, seed: int = 1
) -> Plan:
    """A plan of the given size built directly as tables (see the module docstring)."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = 41.19, -8.58
    centres = np.c_[lat0 + rng.uniform(-0.18, 0.18, 40), lon0 + rng.uniform(-0.18, 0.18, 40)]
    pick = rng.integers(0, len(centres), n_customers)
    pts = centres[pick] + rng.normal(0, 0.02, (n_customers, 2))
    # k-means (Lloyd, 15 rounds) for the rep homes
    homes = pts[rng.choice(n_customers, n_reps, replace=False)]
    for _ in range(15):
        d = ((pts[:, None, :] - homes[None, :, :]) ** 2).sum(-1)
        lab = d.argmin(1)
        homes = np.array(
            [pts[lab == k].mean(0) if (lab == k).any() else homes[k] for k in range(n_reps)]
        )
    tiers = rng.choice(list(TIERS), n_customers, p=[t[2] for t in TIERS.values()])
    ids = [f"C{i:05d}" for i in range(n_customers)]
    rep_ids = [f"R{k + 1:02d}" for k in range(n_reps)]
    cust = pd.DataFrame(
        {
            "customer_id": ids,
            "name": [f"Shop {i} & Co" for i in range(n_customers)],
            "lat": pts[:, 0].round(6),
            "lon": pts[:, 1].round(6),
            "tier": tiers,
            "address": [f"Rua {i % 700} n.º {i % 97}, Porto" for i in range(n_customers)],
            "phone": [f"+351 22 {i:07d}" for i in range(n_customers)],
            "notes": ["Ask for the manager" if i % 5 == 0 else "" for i in range(n_customers)],
            "service_s": [TIERS[t][1] for t in tiers],
            "hours": [ALWAYS_OPEN] * n_customers,
            "last_visit": [None] * n_customers,
            "rep_id": [None] * n_customers,
            "territory_id": [None] * n_customers,
            "active": [True] * n_customers,
            "source_row": range(2, n_customers + 2),
        }
    )
    reps = pd.DataFrame(
        {
            "rep_id": rep_ids,
            "name": [f"Rep {k + 1}" for k in range(n_reps)],
            "home_lat": homes[:, 0],
            "home_lon": homes[:, 1],
            "start_lat": homes[:, 0],
            "start_lon": homes[:, 1],
            "work_start_s": [8 * 3600] * n_reps,
            "work_end_s": [17 * 3600] * n_reps,
            "working_days": [(0, 1, 2, 3, 4)] * n_reps,
            "max_visits_per_day": [14] * n_reps,
            "unavailable": [()] * n_reps,
            "source_row": range(2, n_reps + 2),
        }
    )
    start = dt.date(2026, 11, 30)
    visits, routes, uns, lines = [], [], [], {}
    for k, rid in enumerate(rep_ids):
        mine = np.flatnonzero(lab == k)
        for w in range(weeks):
            due = [i for i in mine if w % TIERS[tiers[i]][0] == (i % TIERS[tiers[i]][0])]
            for d in range(5):
                day = start + dt.timedelta(days=7 * w + d)
                todo = due[d::5]
                todo, rest = todo[:14], todo[14:]
                uns += [
                    {
                        "customer_id": ids[i],
                        "customer_name": f"Shop {i} & Co",
                        "tier": tiers[i],
                        "rep_id": rid,
                        "territory_id": f"T-{rid}",
                        "due_date": day,
                        "reason": "no capacity left in the week",
                    }
                    for i in rest
                ]
                here, t, path, seq = homes[k], 8 * 3600, [tuple(homes[k])], 0
                tot = {"travel_s": 0, "dist_m": 0, "service_s": 0}
                left = list(todo)
                while left:
                    dd = haversine_m(here[0], here[1], pts[left, 0], pts[left, 1])
                    j = int(np.argmin(dd))
                    i = left.pop(j)
                    dist = float(dd[j]) * 1.3
                    travel = round(dist / (30 / 3.6))
                    seq += 1
                    arr, dep = t + travel, t + travel + TIERS[tiers[i]][1]
                    visits.append(
                        {
                            "rep_id": rid,
                            "territory_id": f"T-{rid}",
                            "date": day,
                            "seq": seq,
                            "customer_id": ids[i],
                            "customer_name": f"Shop {i} & Co",
                            "tier": tiers[i],
                            "arrival_s": arr,
                            "start_s": arr,
                            "departure_s": dep,
                            "travel_s": travel,
                            "dist_m": round(dist),
                            "due_date": day,
                        }
                    )
                    tot["travel_s"] += travel
                    tot["dist_m"] += round(dist)
                    tot["service_s"] += dep - arr
                    for f in np.linspace(0, 1, 25)[1:]:
                        wob = 0.002 * np.sin(f * np.pi) * (1 if seq % 2 else -1)
                        path.append(
                            (
                                here[0] + f * (pts[i, 0] - here[0]) + wob,
                                here[1] + f * (pts[i, 1] - here[1]),
                            )
                        )
                    t, here = dep, pts[i]
                if not seq:
                    continue
                back = round(float(haversine_m(here[0], here[1], *homes[k])) * 1.3 / (30 / 3.6))
                path.append(tuple(homes[k]))
                lines[(rid, day)] = path
                routes.append(
                    {
                        "rep_id": rid,
                        "territory_id": f"T-{rid}",
                        "date": day,
                        "start_s": 8 * 3600,
                        "end_s": t + back,
                        "visits": seq,
                        "travel_s": tot["travel_s"] + back,
                        "service_s": tot["service_s"],
                        "wait_s": 0,
                        "dist_m": tot["dist_m"],
                        "break_start_s": None,
                        "break_end_s": None,
                    }
                )
    hull = MultiPoint([(lo, la) for la, lo in pts]).convex_hull.buffer(0.01)
    cells = shapely.voronoi_polygons(MultiPoint([(lo, la) for la, lo in homes]), extend_to=hull)
    terr = []
    for cell in cells.geoms:
        k = next(k for k in range(n_reps) if cell.contains(shapely.Point(homes[k][1], homes[k][0])))
        terr.append(
            {
                "territory_id": f"T-{rep_ids[k]}",
                "rep_id": rep_ids[k],
                "customers": int((lab == k).sum()),
                "workload_h": 0.0,
                "geometry": cell.intersection(hull),
            }
        )
    return Plan(
        visits=pd.DataFrame(visits),
        routes=pd.DataFrame(routes),
        unscheduled=pd.DataFrame(uns),
        assignments=pd.DataFrame(
            {
                "customer_id": ids,
                "rep_id": [rep_ids[k] for k in lab],
                "territory_id": [f"T-{rep_ids[k]}" for k in lab],
            }
        ),
        customers=cust,
        reps=reps,
        territories=gpd.GeoDataFrame(terr, geometry="geometry", crs=4326),
        route_lines=lines,
        kpis={},
        meta={"scenario": "synthetic maps benchmark"},
    )


def real_plan(scenario: Path, workers: int) -> Plan:
    """Plan a scenario with the real pipeline."""
    from planner.pipeline import run_plan
    from planner.scenario import load_scenario

    return run_plan(load_scenario(scenario), workers=workers)


def generated_scenario(n_customers: int, n_reps: int, weeks: int, seed: int, out: Path) -> Path:
    """Write a ``benchmarks/generate.py`` instance under ``out``; returns its scenario."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate_instance, write_instance

    return write_instance(generate_instance(n_customers, n_reps, seed), out, weeks=weeks)


def load_times(path: Path, repeat: int, width: int = 1280, height: int = 800) -> list[float]:
    """Seconds from navigation to ``plannerMaps.ready`` plus two painted frames."""
    from browser import chromium, open_page

    out = []
    with chromium() as b:
        for _ in range(repeat):
            v = open_page(b, path, width, height, timeout_s=60)
            v.page.evaluate(
                "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
            )
            out.append(v.load_s)
            assert v.js_errors == [], v.js_errors
            v.close()
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--reps", type=int, default=25)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", type=Path, default=None, help="plan this scenario instead")
    ap.add_argument("--plan-dir", type=Path, default=None, help="use a plan already written")
    ap.add_argument("--synthetic", action="store_true", help="tables instead of the planner")
    ap.add_argument("--workers", type=int, default=2, help="pipeline processes")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("/tmp/planner-maps-bench"))
    a = ap.parse_args(argv)
    from planner.maps import MapParams, render_maps

    t0 = time.perf_counter()
    if a.plan_dir:
        plan, source = Plan.from_dir(a.plan_dir), f"plan dir {a.plan_dir}"
    elif a.synthetic:
        plan = synthetic_plan(a.customers, a.reps, a.weeks, a.seed)
        source = "synthetic tables"
    else:
        scenario = a.scenario or generated_scenario(
            a.customers, a.reps, a.weeks, a.seed, a.out / "instance"
        )
        plan, source = real_plan(scenario, a.workers), f"pipeline on {scenario}"
        plan.to_dir(a.out / "plan")
    build_s = time.perf_counter() - t0
    print(f"plan ready ({source}) in {build_s:.1f} s", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    res = render_maps(plan, a.out / "maps")
    render_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    render_maps(plan, a.out / "maps_noclust", MapParams(cluster_threshold=10**9))
    render_noclust_s = time.perf_counter() - t0
    busiest = max(
        res.day_pages,
        key=lambda k: len(
            plan.visits[(plan.visits["rep_id"] == k[0]) & (plan.visits["date"] == k[1])]
        ),
    )
    day_path = res.day_pages[busiest]
    all_html = [p for p in (a.out / "maps").rglob("*.html")]
    out = {
        "plan": source,
        "customers": len(plan.customers),
        "reps": len(plan.reps),
        "visits": len(plan.visits),
        "rep_days": len(res.day_pages),
        "build_plan_s": round(build_s, 2),
        "coverage_pct": (plan.kpis or {}).get("coverage_pct"),
        "route_lines": len(plan.route_lines),
        "render_all_pages_s": round(render_s, 2),
        "render_all_pages_no_cluster_s": round(render_noclust_s, 2),
        "pages": len(all_html),
        "all_pages_mb": round(sum(p.stat().st_size for p in all_html) / 1e6, 2),
        "overview_mb": round(res.index_path.stat().st_size / 1e6, 2),
        "overview_load_s": [round(x, 2) for x in load_times(res.index_path, a.repeat)],
        "overview_no_cluster_load_s": [
            round(x, 2) for x in load_times(a.out / "maps_noclust" / "index.html", a.repeat)
        ],
        "day_page_visits": len(
            plan.visits[(plan.visits["rep_id"] == busiest[0]) & (plan.visits["date"] == busiest[1])]
        ),
        "day_page_kb": round(day_path.stat().st_size / 1e3, 1),
        "day_load_s": [round(x, 2) for x in load_times(day_path, a.repeat)],
        "day_load_phone_s": [round(x, 2) for x in load_times(day_path, a.repeat, 390, 844)],
    }
    for key in ("overview_load_s", "overview_no_cluster_load_s", "day_load_s", "day_load_phone_s"):
        out[key.replace("_s", "_median_s")] = round(statistics.median(out[key]), 2)
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
