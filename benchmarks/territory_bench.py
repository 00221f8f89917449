"""Territory design benchmark: speed, memory and quality at 1,000 / 5,000 / 40,000 customers,
keep mode fixing a 25 % imbalance, and PySAL spopt as a peer on the 1,000 instance.

Usage (from the repo root; one heavy job at a time on a shared machine)::

    flock /tmp/bench.lock nice -n 10 timeout 1800 \\
        .venv/bin/python benchmarks/territory_bench.py --json /tmp/territory_bench.json

Instances come from ``benchmarks/generate.py`` (clustered towns plus 25 % rural customers,
tiers 10/30/60 % A/B/C, seed 1). Rep homes: one per town, bigger towns first (the
generator's default; at 40,000 / 200 the city holds 28 territories' worth of customers
and one home), and for 40,000 / 200 also ``homes="customers"`` (homes as dense as the
customers). Travel is the haversine model
(``planner.network``, great-circle x 1.3 at 35 km/h), so no OSM data is needed; with road
travel only the ``rect_s`` call (reps x customers) would cost more.

Each size runs in its own process so the peak memory (``ru_maxrss``) is that size's own.
Per size it reports:

- ``design_s``: wall time of ``design_territories`` (redesign, workload balance, +-10 %),
  travel model building excluded (``travel_s`` beside it);
- ``peak_mb``: peak resident memory of the process; ``base_mb`` the resident memory just
  before the design (Python, libraries, instance, travel model);
- ``max_dev_pct``: largest ``|deviation_pct|`` of a territory's workload from the mean;
- contiguity (territories in several pieces), homes inside their own territory and how
  far the others are from it (km to the polygon), the coverage check
  (``shapely.coverage_is_valid``, area sum vs union);
- keep mode: the first rep's territory takes the customers nearest its home from its
  neighbours until it carries 25 % more workload than the mean; ``method: keep`` then
  rebalances. ``grabbed`` customers made the imbalance, ``moved`` is what keep moved back.

The peer (``--peer``): spopt's ``RegionKMeansHeuristic`` and ``Skater`` on the same
customers, given the same building blocks and adjacency as ours (one Voronoi cell per
customer location, cells sharing an edge are neighbours) and the cells' coordinates as
attributes. Neither balances workload; Skater gets a floor of 75 % of an equal share of
cells (its only size control, a count). Their regions are matched to reps (Hungarian
method on summed travel) to report mean travel from home.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SIZES = "1000/5,5000/25,40000/200,40000/200/customers"  # customers/reps[/homes]
SEED = 1


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup(n: int, k: int, homes: str = "towns"):
    from generate import generate_instance

    from planner.network import TravelParams, build_travel_model

    inst = generate_instance(n, k, SEED, homes=homes)
    t0 = time.perf_counter()
    travel = build_travel_model(TravelParams(mode="haversine"), inst.points())
    return inst, travel, time.perf_counter() - t0


def _home_km(res, customers, reps) -> np.ndarray:
    """Distance from each rep's home to their own territory polygon, km (0 = inside)."""
    from planner.territory.geometry import project_points

    crs, _, hxy = project_points(customers, reps)
    t = res.territories.to_crs(crs).set_index("rep_id")
    geoms = t.loc[reps["rep_id"].astype(str), "geometry"].to_numpy()
    return shapely.distance(geoms, shapely.points(hxy)) / 1000.0


def _contract(res, customers) -> dict:
    """The geometric contract, as the tests check it."""
    t = res.territories
    geoms = t.geometry.to_numpy()
    geoms = geoms[~shapely.is_empty(geoms)]
    union = shapely.union_all(geoms)
    tid = res.assignments["territory_id"].to_numpy()
    poly = dict(zip(t["territory_id"], t.geometry, strict=True))
    lon, lat = customers["lon"].to_numpy(float), customers["lat"].to_numpy(float)
    inside = sum(
        int(shapely.intersects_xy(poly[x], lon[tid == x], lat[tid == x]).sum())
        for x in np.unique(tid)
    )
    return {
        "coverage_valid": bool(shapely.coverage_is_valid(geoms)),
        "overlap_rel": float(abs(shapely.area(geoms).sum() - union.area) / union.area),
        "gap_rel": float(
            shapely.symmetric_difference(union, res.service_area).area / res.service_area.area
        ),
        "customers_in_own_polygon": inside,
        "multipart": int(sum(len(shapely.get_parts(g)) > 1 for g in geoms)),
        "not_contiguous": int((~t["contiguous"]).sum()),
        "homes_inside": int(t["home_in_territory"].sum()),
    }


def _imbalance(inst, base, hours: np.ndarray, excess: float = 0.25):
    """Existing territories: ``base``'s, with the first rep's territory grabbing the
    customers nearest its home until it carries ``excess`` more workload than the mean."""
    tid = base.assignments["territory_id"].to_numpy().copy()
    first = base.territories["territory_id"].iloc[0]
    load = float(hours[tid == first].sum())
    target = float(hours.sum()) / len(base.territories) * (1 + excess)
    home = inst.reps[["home_lat", "home_lon"]].iloc[0].to_numpy(float)
    c = inst.customers
    d = np.hypot(
        c["lat"].to_numpy() - home[0], (c["lon"].to_numpy() - home[1]) * np.cos(np.radians(home[0]))
    )
    grabbed = 0
    for i in np.argsort(d, kind="stable"):
        if load >= target:
            break
        if tid[i] != first:
            tid[i] = first
            load += hours[i]
            grabbed += 1
    mean = hours.sum() / len(base.territories)
    loads = {x: float(hours[tid == x].sum()) for x in base.territories["territory_id"]}
    before = max(abs(v - mean) / mean * 100 for v in loads.values())
    return tid, grabbed, before


def run_case(n: int, k: int, homes: str = "towns") -> dict:
    """One size: redesign, contract checks, keep mode after a 25 % imbalance."""
    from planner.territory import TerritoryParams, customer_workload_h, design_territories

    inst, travel, travel_s = _setup(n, k, homes)
    base_mb = _rss_mb()
    t0 = time.perf_counter()
    res = design_territories(
        inst.customers, inst.reps, travel, inst.tiers, inst.workday, TerritoryParams(seed=SEED)
    )
    design_s = time.perf_counter() - t0
    peak_mb = _peak_mb()
    t = res.territories
    out = {
        "customers": n,
        "reps": k,
        "homes": homes,
        "travel_s": round(travel_s, 2),
        "design_s": round(design_s, 2),
        "base_mb": round(base_mb),
        "peak_mb": round(peak_mb),
        "max_dev_pct": float(t["deviation_pct"].abs().max()),
        "over_tolerance": int((t["deviation_pct"].abs() > 10.0).sum()),
        "mean_home_travel_min": round(float(t["mean_home_travel_min"].mean()), 1),
        "warnings": res.warnings,
    }
    out.update(_contract(res, inst.customers))
    home_km = _home_km(res, inst.customers, inst.reps)
    outside = home_km[home_km > 0]
    out["home_outside_km"] = {
        "count": int(len(outside)),
        "median": round(float(np.median(outside)), 1) if len(outside) else 0.0,
        "p90": round(float(np.quantile(outside, 0.9)), 1) if len(outside) else 0.0,
        "max": round(float(outside.max()), 1) if len(outside) else 0.0,
    }
    hours = customer_workload_h(
        inst.customers, inst.tiers, 4, reps=inst.reps, travel=travel, workday=inst.workday
    ).to_numpy()
    tid, grabbed, before = _imbalance(inst, res, hours)
    cust = inst.customers.copy()
    cust["territory_id"] = tid
    t0 = time.perf_counter()
    keep = design_territories(
        cust, inst.reps, travel, inst.tiers, inst.workday, TerritoryParams(method="keep", seed=SEED)
    )
    out["keep"] = {
        "grabbed": grabbed,
        "dev_before_pct": round(before, 1),
        "keep_s": round(time.perf_counter() - t0, 2),
        "moved": keep.moved,
        "moved_workload_h": keep.moved_workload_h,
        "max_dev_pct": float(keep.territories["deviation_pct"].abs().max()),
        "not_contiguous": int((~keep.territories["contiguous"]).sum()),
    }
    return out


def _peer_labels(name: str, xy_km: np.ndarray, neighbors: dict, k: int):
    import geopandas as gpd
    import libpysal
    from spopt.region import RegionKMeansHeuristic, Skater

    w = libpysal.weights.W(neighbors, silence_warnings=True)
    t0 = time.perf_counter()
    if name == "RegionKMeansHeuristic":
        model = RegionKMeansHeuristic(xy_km, k, w, seed=SEED)
        model.solve()
        extra = {}
    else:
        gdf = gpd.GeoDataFrame(
            {"x": xy_km[:, 0], "y": xy_km[:, 1]},
            geometry=gpd.points_from_xy(xy_km[:, 0], xy_km[:, 1]),
        )
        floor = int(0.75 * len(xy_km) / k)
        model = Skater(gdf, w, ["x", "y"], n_clusters=k, floor=floor)
        model.solve()
        extra = {"floor_cells": floor}
    return np.asarray(model.labels_), time.perf_counter() - t0, extra


def run_peer(n: int, k: int) -> dict:
    """spopt regionalisations of the same instance, scored like ours."""
    from planner.matrix import home_id
    from planner.territory import TerritoryParams, customer_workload_h, design_territories
    from planner.territory.cells import build_cells
    from planner.territory.geometry import project_points

    inst, travel, _ = _setup(n, k)
    c, r = inst.customers, inst.reps
    t0 = time.perf_counter()
    ours = design_territories(c, r, travel, inst.tiers, inst.workday, TerritoryParams(seed=SEED))
    ours_s = time.perf_counter() - t0
    hours = customer_workload_h(
        c, inst.tiers, 4, reps=r, travel=travel, workday=inst.workday
    ).to_numpy()
    crs, xy, home_xy = project_points(c, r)
    cells = build_cells(xy, home_xy, None, None, crs)
    m = len(cells.polys)
    neighbors: dict[int, list[int]] = {i: [] for i in range(m)}
    for a, b in cells.graph.edges.tolist():
        neighbors[a].append(b)
        neighbors[b].append(a)
    rect = np.asarray(travel.rect_s([home_id(x) for x in r["rep_id"]], list(c["customer_id"])))
    rows = [
        {
            "method": "planner (min-cost flow + repairs)",
            "time_s": round(ours_s, 2),
            **_score(ours.assignments["territory_id"].factorize()[0], hours, rect, k),
        }
    ]
    for name in ("RegionKMeansHeuristic", "Skater"):
        try:
            cell_label, secs, extra = _peer_labels(name, cells.xy / 1000.0, neighbors, k)
        except Exception as e:  # a peer failing is a result too
            rows.append({"method": f"spopt {name}", "error": repr(e)[:300]})
            continue
        label = cell_label[cells.of_customer]
        rows.append(
            {
                "method": f"spopt {name}",
                "time_s": round(secs, 2),
                **extra,
                **_score(label, hours, rect, k),
            }
        )
    return {"customers": n, "reps": k, "cells": m, "peers": rows}


def _score(label: np.ndarray, hours: np.ndarray, rect: np.ndarray, k: int) -> dict:
    from scipy.optimize import linear_sum_assignment

    uniq = np.unique(label)
    idx = np.searchsorted(uniq, label)
    load = np.bincount(idx, weights=hours, minlength=len(uniq))
    count = np.bincount(idx, minlength=len(uniq))
    cost = np.stack(
        [np.bincount(idx, weights=rect[j], minlength=len(uniq)) for j in range(rect.shape[0])],
        axis=1,
    )  # region x rep
    ri, rj = linear_sum_assignment(cost)
    travel_min = np.array([cost[a, b] / count[a] / 60 for a, b in zip(ri, rj, strict=True)])
    return {
        "regions": int(len(uniq)),
        "max_dev_pct": round(
            float(np.max(np.abs(load - hours.sum() / k)) / (hours.sum() / k) * 100), 1
        ),
        "max_count_dev_pct": round(
            float(np.max(np.abs(count - len(label) / k)) / (len(label) / k) * 100), 1
        ),
        "mean_home_travel_min": round(float(travel_min.mean()), 1),
    }


def _child(flag: str, size: str, timeout: float) -> dict:
    cmd = [sys.executable, __file__, flag, size]
    n, k, *homes = size.split("/")
    head = {"customers": int(n), "reps": int(k), "homes": (homes or ["towns"])[0]}
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {**head, "error": f"timeout after {timeout:.0f} s"}
    if p.returncode:
        return {**head, "error": f"exit {p.returncode}: {p.stderr.strip()[-600:]}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def _table(cases: list[dict], peer: dict | None) -> str:
    lines = [
        "| customers / reps (homes) | design s | peak MB (base) | max dev % | "
        "not contiguous | homes inside | outside: median / max km | coverage valid | "
        "keep: grabbed -> moved (h) | keep s | keep max dev % |",
        "|" + "---|" * 11,
    ]
    for c in cases:
        if "error" in c:
            lines.append(f"| {c['customers']:,} / {c['reps']} ({c['homes']}) | {c['error']} |")
            continue
        kp = c["keep"]
        lines.append(
            f"| {c['customers']:,} / {c['reps']} ({c['homes']}) | {c['design_s']} | {c['peak_mb']} "
            f"({c['base_mb']}) | {c['max_dev_pct']} | {c['not_contiguous']} | "
            f"{c['homes_inside']}/{c['reps']} | {c['home_outside_km']['median']} / "
            f"{c['home_outside_km']['max']} | {c['coverage_valid']} | "
            f"{kp['grabbed']} -> {kp['moved']} ({kp['moved_workload_h']}) | {kp['keep_s']} | "
            f"{kp['dev_before_pct']} -> {kp['max_dev_pct']} |"
        )
    if peer:
        lines += [
            "",
            f"Peer on {peer['customers']:,} / {peer['reps']} ({peer['cells']} cells):",
            "",
            "| method | time s | regions | max workload dev % | max count dev % | "
            "mean home travel min |",
            "|---|---|---|---|---|---|",
        ]
        for p in peer["peers"]:
            if "error" in p:
                lines.append(f"| {p['method']} | {p['error']} |")
                continue
            lines.append(
                f"| {p['method']} | {p['time_s']} | {p['regions']} | "
                f"{p['max_dev_pct']} | {p['max_count_dev_pct']} | "
                f"{p['mean_home_travel_min']} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--case", help="internal: run one size N/K and print JSON")
    ap.add_argument("--peer", help="internal: run the spopt peer on N/K and print JSON")
    ap.add_argument("--sizes", default=SIZES, help="comma-separated customers/reps[/homes]")
    ap.add_argument("--peer-size", default="1000/5", help="'' to skip the peer")
    ap.add_argument("--timeout", type=float, default=900.0, help="per child process, s")
    ap.add_argument("--json", type=Path, help="write all figures here")
    a = ap.parse_args()
    if a.case or a.peer:
        n, k, *homes = (a.case or a.peer).split("/")
        out = run_case(int(n), int(k), *homes) if a.case else run_peer(int(n), int(k))
        print(json.dumps(out))
        return
    import ortools

    cases = []
    for size in a.sizes.split(","):
        cases.append(_child("--case", size, a.timeout))
        print(json.dumps(cases[-1]), flush=True)
    peer = None
    if a.peer_size:
        peer = _child("--peer", a.peer_size, a.timeout)
        print(json.dumps(peer), flush=True)
    meta = {
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "shapely": shapely.__version__,
        "machine": platform.machine(),
        "seed": SEED,
    }
    if a.json:
        a.json.write_text(json.dumps({"meta": meta, "cases": cases, "peer": peer}, indent=1))
    print(_table(cases, peer if peer and "peers" in peer else None))


if __name__ == "__main__":
    main()
