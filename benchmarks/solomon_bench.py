"""Solomon VRPTW: gap of the day solver's OR-Tools recipe to the best-known distance.

Runs :func:`planner.routing.vrptw.solve_vrptw` (the configuration of ``solve_day``:
droppable visits, several first solutions, guided local search) once per instance with a
30-s limit and records the best solution found by 10 s and by 30 s of the same run.
Distances are re-computed in double precision from the routes and every route is checked
against the instance (capacity, service-start windows, back by the horizon) in double
precision; the gap is to the ``distance`` best-known value of ``bks.csv`` (vehicles free).

Integer model: travel = ceil(100 x euclidean) (never optimistic, so an integer-feasible
plan is feasible in double precision), arc cost = round(100 x euclidean).

Usage::

    flock /tmp/bench.lock nice -n 10 timeout 1500 \\
        .venv/bin/python benchmarks/solomon_bench.py [--limit 30] [--checkpoints 10,30] \\
        [--data ../shared/benchmarks/vrptw] [C101 R101 ...]
"""

from __future__ import annotations

import argparse
import csv
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

from planner.routing.vrptw import VrptwParams, solve_vrptw

DEFAULT = ["C101", "C201", "R101", "R201", "RC101", "RC201", "R112", "RC208"]
SCALE = 100


def read_solomon(path: Path) -> dict:
    """A Solomon text instance: vehicles, capacity, and per-node x, y, demand, window,
    service (node 0 = depot)."""
    lines = [ln.split() for ln in path.read_text().splitlines()]
    k = next(i for i, ln in enumerate(lines) if ln[:1] == ["VEHICLE"])
    vehicles, capacity = (int(x) for x in lines[k + 2])
    rows = [list(map(float, ln)) for ln in lines[k + 3 :] if len(ln) == 7 and ln[0].isdigit()]
    a = np.array(rows)
    return {
        "name": path.stem,
        "vehicles": vehicles,
        "capacity": capacity,
        "xy": a[:, 1:3],
        "demand": a[:, 3].astype(int),
        "windows": a[:, 4:6].astype(int),
        "service": a[:, 6].astype(int),
    }


def euclid(xy: np.ndarray) -> np.ndarray:
    d = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((d**2).sum(-1))


def check_routes(inst: dict, dist: np.ndarray, routes: list[list[int]]) -> tuple[float, list[str]]:
    """Double-precision distance of ``routes`` and every rule they break."""
    errors = []
    n = len(inst["demand"]) - 1
    seen = [c for r in routes for c in r]
    if sorted(seen) != list(range(1, n + 1)):
        errors.append(f"{n - len(set(seen))} customers not visited (or visited twice)")
    total = 0.0
    horizon = inst["windows"][0][1]
    for r in routes:
        if inst["demand"][r].sum() > inst["capacity"]:
            errors.append(f"route {r[:3]}... over capacity")
        t, prev = 0.0, 0
        for c in [*r, 0]:
            total += dist[prev, c]
            t += dist[prev, c]
            if c == 0:
                if t > horizon + 1e-6:
                    errors.append(f"route {r[:3]}... back at {t:.2f} > {horizon}")
                break
            lo, hi = inst["windows"][c]
            t = max(t, lo)
            if t > hi + 1e-6:
                errors.append(f"customer {c} served at {t:.2f} > due {hi}")
            t += inst["service"][c]
            prev = c
    return total, errors


def read_bks(path: Path) -> dict[str, tuple[float, int]]:
    with path.open() as f:
        return {
            r["instance"]: (float(r["distance"]), int(r["vehicles"]))
            for r in csv.DictReader(f)
            if r["objective"] == "distance"
        }


def run(inst: dict, limit_s: float, checkpoints: tuple[float, ...]) -> dict:
    dist = euclid(inst["xy"])
    travel = np.ceil(dist * SCALE - 1e-9).astype(np.int64)
    cost = np.rint(dist * SCALE).astype(np.int64)
    res = solve_vrptw(
        travel,
        inst["service"] * SCALE,
        inst["windows"] * SCALE,
        inst["demand"],
        inst["capacity"],
        inst["vehicles"],
        VrptwParams(time_limit_s=limit_s, checkpoints_s=checkpoints),
        cost=cost,
    )
    out = {"runtime_s": res.runtime_s}
    for cp in checkpoints:
        found = res.checkpoints.get(cp)
        if found is None:
            out[cp] = None
            continue
        total, errors = check_routes(inst, dist, found[1])
        out[cp] = (total, len(found[1]), errors)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="*", default=DEFAULT)
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "vrptw",
    )
    ap.add_argument("--limit", type=float, default=30.0)
    ap.add_argument("--checkpoints", default="10,30")
    a = ap.parse_args(argv)
    cps = tuple(float(x) for x in a.checkpoints.split(","))
    bks = read_bks(a.data / "bks.csv")
    import ortools

    print(
        f"# ortools {ortools.__version__}, python {platform.python_version()}, "
        f"{platform.machine()}, limit {a.limit:g} s, {time.strftime('%Y-%m-%d')}"
    )
    head = " | ".join(f"dist @{c:g}s | veh | gap @{c:g}s" for c in cps)
    print(f"| instance | BKS dist (veh) | {head} |")
    print("|" + " --- |" * (2 + 3 * len(cps)))
    gaps: dict[float, list[float]] = {c: [] for c in cps}
    for name in a.instances:
        inst = read_solomon(a.data / "solomon" / f"{name}.txt")
        out = run(inst, a.limit, cps)
        best, veh = bks[name]
        cells = []
        for c in cps:
            if out[c] is None:
                cells.append("- | - | no solution")
                continue
            total, nveh, errors = out[c]
            if errors:
                cells.append(f"{total:.2f} | {nveh} | INVALID: {errors[0]}")
                continue
            gap = round(100 * (total - best) / best, 6) + 0.0  # no "-0.00 %"
            gaps[c].append(gap)
            cells.append(f"{total:.2f} | {nveh} | {gap:+.2f} %")
        print(f"| {name} | {best:.2f} ({veh}) | " + " | ".join(cells) + " |", flush=True)
    cells = []
    for g in gaps.values():
        cells += ["", "", f"{sum(g) / len(g):+.2f} % ({len(g)} solved)" if g else "-"]
    print("| mean | | " + " | ".join(cells) + " |")
    ok = all(len(g) == len(a.instances) for g in gaps.values())
    return 0 if ok and math.isfinite(sum(map(sum, gaps.values()))) else 1


if __name__ == "__main__":
    sys.exit(main())
