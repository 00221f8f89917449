"""Time one territory's plan (calendar + OR-Tools days + repairs) and print its stats.

    .venv/bin/python benchmarks/plan_territory_one.py --customers 1000 --reps 5 --seed 1

Generates the instance with ``benchmarks/generate.py``, designs territories as the
pipeline does and runs :func:`planner.territory_plan.plan_territory` on the first
territory in this process (no worker pool), so the time is one core's.
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

from planner.pipeline import build_travel, design, read_scenario_inputs, territory_problems  # noqa: E402,I001
from planner.scenario import load_scenario  # noqa: E402
from planner.territory_plan import plan_territory  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--index", type=int, default=0, help="which territory (sorted by id)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sc = load_scenario(
            write_instance(generate_instance(a.customers, a.reps, a.seed), Path(tmp))
        )
        inputs = read_scenario_inputs(sc)
        travel = build_travel(sc, inputs)
        problems = territory_problems(sc, inputs, travel, design(sc, inputs, travel).assignments)
        t0 = time.perf_counter()
        res = plan_territory(problems[a.index])
        print(f"wall {time.perf_counter() - t0:.1f} s")
        print(json.dumps(res.stats, indent=1, default=str))


if __name__ == "__main__":
    main()
