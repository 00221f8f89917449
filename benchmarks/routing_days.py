"""Time of :func:`planner.routing.solve_day` on days of 8, 12, 16 and 20 stops.

Random days around Copenhagen (haversine x 1.3 at 35 km/h), workday 08:00-16:30, lunch
30 min in 11:30-13:30, services of 15, 20, 30 or 45 min, about 60 % of the stops with
opening hours (morning, afternoon, 09-12 + 13-17, 10-16), tier penalties 100 / 10^4 /
10^6. Default :class:`RoutingParams` (exact DP up to 10 stops, OR-Tools beyond). For the
12-stop days it also reports how often OR-Tools alone misses the optimum found by the DP
(``exact_max_stops=12``). With ``--budgets 10,40`` it compares guided local search
budgets (solutions per stop) on 16-, 20- and 25-stop days: time, and how often the
smaller budget ends with a costlier day than the largest.

Usage::

    flock /tmp/bench.lock nice -n 10 timeout 900 .venv/bin/python benchmarks/routing_days.py
    .venv/bin/python benchmarks/routing_days.py --budgets 5,10,20,40
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

from planner.domain import BreakRule
from planner.matrix import TravelMatrix
from planner.network.haversine import haversine_matrix
from planner.routing import DayProblem, RoutingParams, Stop, check_day, solve_day

H = 3600
HOURS = [
    ((8 * H, 12 * H),),
    ((13 * H, 17 * H),),
    ((9 * H, 12 * H), (13 * H, 17 * H)),
    ((10 * H, 16 * H),),
]


def day(n: int, seed: int) -> DayProblem:
    rng = random.Random(seed)
    lat = [55.68 + rng.uniform(-0.05, 0.05) for _ in range(n + 1)]
    lon = [12.57 + rng.uniform(-0.08, 0.08) for _ in range(n + 1)]
    travel, dist = haversine_matrix(lat, lon)
    matrix = TravelMatrix(("home:r", *(f"c{i}" for i in range(n))), travel, dist)
    stops = tuple(
        Stop(
            f"c{i}",
            rng.choice([15, 20, 30, 45]) * 60,
            rng.choice(HOURS) if rng.random() < 0.6 else ((8 * H, 17 * H),),
            penalty=rng.choice([100, 10_000, 1_000_000]),
        )
        for i in range(n)
    )
    return DayProblem(
        "r",
        dt.date(2026, 1, 5),
        "home:r",
        "home:r",
        stops,
        matrix,
        8 * H,
        16 * H + 1800,
        BreakRule(11 * H + 1800, 13 * H + 1800, 1800),
    )


def key(problem: DayProblem, res) -> tuple[int, int]:
    pen = {s.customer_id: s.penalty for s in problem.stops}
    return sum(pen[c] for c, _ in res.dropped), res.travel_s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=20, help="random days per size")
    ap.add_argument("--sizes", default="8,12,16,20")
    ap.add_argument(
        "--budgets", default="", help="also compare GLS budgets, solutions per stop (e.g. 10,40)"
    )
    a = ap.parse_args(argv)
    params = RoutingParams()
    print(f"# {a.days} days per size, RoutingParams() = {params}")
    print(
        "| stops | engine | mean s | median s | max s | kept / stops |"
        f" days at the {params.time_limit_s:g}-s limit |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    bad = 0
    for n in map(int, a.sizes.split(",")):
        times, kept, hit = [], 0, 0
        for seed in range(a.days):
            p = day(n, seed)
            t0 = time.perf_counter()
            res = solve_day(p, params)
            times.append(time.perf_counter() - t0)
            kept += len(res.stops)
            hit += res.time_limit_hit
            bad += bool(check_day(p, res))
        engine = "exact DP" if n <= params.exact_max_stops else "OR-Tools GLS"
        print(
            f"| {n} | {engine} | {statistics.mean(times):.3f} | {statistics.median(times):.3f}"
            f" | {max(times):.3f} | {kept / a.days:.1f} / {n} |"
            f" {hit} |",
            flush=True,
        )
    n = 12
    miss_pen = miss_travel = 0
    t_or = t_dp = 0.0
    for seed in range(a.days):
        p = day(n, seed)
        t0 = time.perf_counter()
        ort = solve_day(p, RoutingParams(exact_max_stops=0))
        t1 = time.perf_counter()
        exact = solve_day(p, RoutingParams(exact_max_stops=n))
        t_or, t_dp = t_or + t1 - t0, t_dp + time.perf_counter() - t1
        ko, ke = key(p, ort), key(p, exact)
        miss_pen += ko[0] > ke[0]
        miss_travel += ko[0] == ke[0] and ko[1] > ke[1]
    print(
        f"\n{n}-stop days, OR-Tools alone vs exact DP: {miss_pen} of {a.days} drop a costlier "
        f"set, {miss_travel} more travel for the same set; mean time OR-Tools "
        f"{t_or / a.days:.3f} s, DP {t_dp / a.days:.3f} s"
    )
    print(f"check_day violations: {bad}")
    if a.budgets:
        budget_table(a.days, [int(x) for x in a.budgets.split(",")], [16, 20, 25])
    return 1 if bad else 0


def budget_table(days: int, budgets: list[int], sizes: list[int]) -> None:
    """Guided local search budget (solutions per stop) against the largest one: time and
    how often a smaller budget ends with a costlier day (safety limit 120 s, never hit)."""
    ref_k = max(budgets)
    print(
        f"\n| stops | solutions per stop | mean s | max s | costlier dropped set than {ref_k}/stop"
        f" | more travel, same set | travel vs {ref_k}/stop |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in sizes:
        results: dict[int, list] = {k: [] for k in budgets}
        for seed in range(days):
            p = day(n, seed)
            for k in budgets:
                t0 = time.perf_counter()
                res = solve_day(p, RoutingParams(time_limit_s=120, solution_limit=k * n))
                results[k].append((time.perf_counter() - t0, key(p, res)))
        ref = [r[1] for r in results[ref_k]]
        for k in budgets:
            times = [t for t, _ in results[k]]
            keys = [kk for _, kk in results[k]]
            pen = sum(a[0] > b[0] for a, b in zip(keys, ref))
            trav = sum(a[0] == b[0] and a[1] > b[1] for a, b in zip(keys, ref))
            same = [(a[1], b[1]) for a, b in zip(keys, ref) if a[0] == b[0]]
            ratio = sum(a for a, _ in same) / max(1, sum(b for _, b in same))
            print(
                f"| {n} | {k} | {statistics.mean(times):.3f} | {max(times):.3f} | {pen} of {days}"
                f" | {trav} | {ratio:.4f} |",
                flush=True,
            )


if __name__ == "__main__":
    sys.exit(main())
