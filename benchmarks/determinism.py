"""Same plan whatever the safety time limit: plan one generated instance with
``routing.time_limit_s`` at 3 s and at 300 s and compare every output file byte for byte.

    .venv/bin/python benchmarks/determinism.py --customers 5000 --reps 25 --workers 2

Every file of the two plan folders (tables, ``kpis.json``, GeoJSON, maps) must be
identical; ``plan.json`` is compared without ``created`` and ``runtimes`` (which differ
between any two runs) and without ``settings.routing.time_limit_s`` (the one setting the
two runs differ in). Prints the outcome, the days each run stopped at the safety limit and
the runtimes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_instance, write_instance  # noqa: E402


def folder_bytes(plan_dir: Path) -> dict[str, bytes]:
    """Every file of a plan folder; plan.json without the fields that may differ."""
    out = {}
    for p in sorted(plan_dir.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        if p.name == "plan.json":
            meta = json.loads(data)
            meta.pop("created")
            meta.pop("runtimes")
            meta["settings"]["routing"].pop("time_limit_s")
            data = json.dumps(meta, sort_keys=True).encode()
        out[str(p.relative_to(plan_dir))] = data
    return out


def _paths(x, prefix: str = "") -> dict[str, object]:
    """Leaf values of a JSON document by dotted path (lists by index)."""
    if isinstance(x, dict):
        items = x.items()
    elif isinstance(x, list):
        items = ((str(i), v) for i, v in enumerate(x))
    else:
        return {prefix: x}
    out: dict[str, object] = {}
    for k, v in items:
        out.update(_paths(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def json_diff(folders: list[dict[str, bytes]]) -> list[str]:
    """Dotted paths where the runs' ``plan.json`` (as :func:`folder_bytes` keeps it)
    differ, list indices folded to ``[]``."""
    docs = [_paths(json.loads(f["plan.json"])) for f in folders]
    keys = set().union(*docs)
    differ = {k for k in keys if len({repr(d.get(k)) for d in docs}) > 1}
    return sorted({".".join("[]" if p.isdigit() else p for p in k.split(".")) for k in differ})


def plan_with_limit(scenario: Path, limit_s: float, out: Path, workers: int, maps: bool) -> dict:
    from planner.pipeline import run_plan, write_plan
    from planner.scenario import Scenario, load_scenario

    sc = load_scenario(scenario)
    routing = sc.model.routing.model_copy(update={"time_limit_s": limit_s})
    sc = Scenario(sc.model.model_copy(update={"routing": routing}), sc.path)
    t0 = time.perf_counter()
    plan = run_plan(sc, workers=workers)
    write_plan(plan, out, maps=maps)
    return {
        "limit_s": limit_s,
        "wall_s": round(time.perf_counter() - t0, 1),
        "routes_s": plan.meta["runtimes"]["routes_s"],
        "limit_days": sum(len(s["time_limit_days"]) for s in plan.meta["territory_stats"]),
        "visits": len(plan.visits),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--reps", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limits", default="3,300", help="safety limits to compare, seconds")
    ap.add_argument("--no-maps", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = write_instance(
            generate_instance(a.customers, a.reps, a.seed), tmp / "inst", weeks=a.weeks
        )
        runs, folders = [], []
        for limit in [float(x) for x in a.limits.split(",")]:
            out = tmp / f"plan-{limit:g}"
            runs.append(plan_with_limit(path, limit, out, a.workers, not a.no_maps))
            folders.append(folder_bytes(out))
            print(json.dumps(runs[-1]), flush=True)
        first = folders[0]
        differ = sorted(
            name
            for f in folders[1:]
            for name in set(first) | set(f)
            if first.get(name) != f.get(name)
        )
        print(
            f"\n{a.customers} customers / {a.reps} reps, {a.weeks} weeks, {a.workers} workers: "
            f"{len(first)} files compared, "
            + ("all byte-identical" if not differ else f"{len(differ)} differ: {differ[:10]}")
        )
        if "plan.json" in differ:
            print("plan.json fields that differ: " + ", ".join(json_diff(folders)))
        for r in runs:
            print(
                f"- safety limit {r['limit_s']:g} s: {r['limit_days']} rep-days stopped by it, "
                f"routes {r['routes_s']} s, whole run {r['wall_s']} s, {r['visits']} visits"
            )
        return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
