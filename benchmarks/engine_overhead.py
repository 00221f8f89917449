"""The local Dask cluster against the process pool it replaced, on the same territories.

    .venv/bin/python benchmarks/engine_overhead.py [--scenario scenarios/demo.yaml] [--workers 2]

Builds a scenario's territory problems once, then plans them (in alternating order,
``--rounds`` times each) three ways: one after the other in this process, with
``concurrent.futures.ProcessPoolExecutor`` (fork, as ``pipeline.solve_territories`` did
before the Dask adapter), and with :func:`planner.cluster.run_tasks` (an embedded local
cluster, started and stopped inside the timing, as ``planner plan`` does). Prints wall
times and checks that all three give the same plans.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sequential(problems, workers):
    from planner.territory_plan import plan_territory

    return [plan_territory(p) for p in problems]


def pool(problems, workers):
    from planner.territory_plan import plan_territory

    with ProcessPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(plan_territory, problems))


def dask_local(problems, workers):
    from planner.cluster import ClusterParams, run_tasks
    from planner.territory_plan import plan_territory

    out = [None] * len(problems)
    for i, res in run_tasks(plan_territory, problems, ClusterParams(workers=workers)):
        out[i] = res
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "demo.yaml")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    from planner.pipeline import build_travel, design, read_scenario_inputs, territory_problems
    from planner.scenario import load_scenario

    sc = load_scenario(a.scenario)
    inputs = read_scenario_inputs(sc)
    travel = build_travel(sc, inputs)
    problems = territory_problems(sc, inputs, travel, design(sc, inputs, travel).assignments)
    print(f"{sc.name}: {len(problems)} territories, {a.workers} workers, load {os.getloadavg()}")
    ways = {"sequential": sequential, "process pool": pool, "local Dask cluster": dask_local}
    times: dict[str, list[float]] = {k: [] for k in ways}
    plans = {}
    for r in range(a.rounds):
        order = list(ways) if r % 2 == 0 else list(ways)[::-1]
        for name in order:
            t0 = time.perf_counter()
            plans[name] = ways[name](problems, a.workers)
            times[name].append(time.perf_counter() - t0)
            print(f"round {r + 1}: {name}: {times[name][-1]:.1f} s", flush=True)
    ref = plans["sequential"]
    same = all(
        p.visits.equals(q.visits) and p.unscheduled.equals(q.unscheduled)
        for name in ways
        for p, q in zip(plans[name], ref, strict=True)
    )
    print("\n| way | median s | runs |")
    print("| --- | --- | --- |")
    for name, ts in times.items():
        print(f"| {name} | {statistics.median(ts):.1f} | {', '.join(f'{t:.1f}' for t in ts)} |")
    ratio = statistics.median(times["local Dask cluster"]) / statistics.median(
        times["process pool"]
    )
    print(f"\nlocal Dask cluster / process pool: {ratio:.2f}; identical plans: {same}")


if __name__ == "__main__":
    main()
