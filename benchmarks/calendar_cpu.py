"""CPU per territory plan on the calendar benchmark's instances, and travel against VROOM.

The instances of :mod:`calendar_vroom` (seeds 0-4, with 0 % and 70 % of customers
having a last visit), planned with :func:`planner.territory_plan.plan_territory`; each
plan's process CPU time (imports excluded) and its split (calendar, joint step, all
routing), and the total travel against VROOM's on the same problem, read from the table
of ``docs/benchmarks/calendar.md`` (VROOM's problem does not depend on our code).

Speed is compared between two commits by running both at once, one per core, so both
see the same load (the machine is shared and noisy: compare the ratio)::

    git worktree add /tmp/peer <old commit>   # with its own .venv
    .venv/bin/python benchmarks/calendar_cpu.py --mode flexible &
    (cd /tmp/peer && .venv/bin/python /path/to/benchmarks/calendar_cpu.py --mode flexible \\
        --root /tmp/peer)
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def vroom_minutes(doc: Path) -> dict[tuple[int, int], float]:
    """``(seed, history %) -> VROOM travel minutes`` from the calendar page's table."""
    out: dict[tuple[int, int], float] = {}
    header: list[str] | None = None
    for line in doc.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if "VROOM min" in cells and "seed" in cells:
            header = cells
            continue
        if header is None or len(cells) != len(header) or not re.fullmatch(r"\d+", cells[0]):
            continue
        row = dict(zip(header, cells, strict=True))
        out[(int(row["seed"]), int(row["history %"]))] = float(row["VROOM min"].replace(",", ""))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("flexible", "default"), default="flexible")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--history", type=float, nargs="+", default=[0.0, 0.7])
    ap.add_argument("--root", type=Path, default=HERE.parent, help="checkout to measure")
    a = ap.parse_args()
    sys.path[:0] = [str(a.root), str(a.root / "benchmarks")]
    import calendar_vroom as cv

    import planner.routing  # noqa: F401  (imports are not part of a plan's CPU)
    import planner.territory_plan  # noqa: F401

    tiers = cv.FLEXIBLE_TIERS if a.mode == "flexible" else cv.DEFAULT_TIERS
    vroom = vroom_minutes(HERE.parent / "docs" / "benchmarks" / "calendar.md")
    ours_min = vroom_min = cpu_s = 0.0
    for hist in a.history:
        for seed in a.seeds:
            _, customers, rep, matrix, _ = cv.instance(seed, hist)
            t0 = time.process_time()
            r = cv.our_plan(customers, rep, matrix, seed, tiers)
            cpu = time.process_time() - t0
            st, minutes = r["stats"], r["travel_s"] / 60
            v = vroom.get((seed, round(hist * 100)))
            ours_min, cpu_s = ours_min + minutes, cpu_s + cpu
            vroom_min += v or 0.0
            ratio = f"{minutes / v:.3f}" if v else "-"
            print(
                f"seed {seed} history {hist:.0%}: travel {minutes:,.1f} min (/ VROOM {ratio}), "
                f"visits {r['assigned']}/{r['assigned'] + r['unassigned']}, CPU {cpu:.1f} s "
                f"(calendar {st['calendar_s']:.1f}, joint {st['joint_s']:.1f}, "
                f"routing incl. joint {st['routing_s']:.1f} s wall)",
                flush=True,
            )
    n = len(a.seeds) * len(a.history)
    ratio = f"{ours_min / vroom_min:.4f}" if vroom_min else "-"
    print(
        f"total {a.mode}: travel {ours_min:,.1f} min, / VROOM {ratio}, "
        f"CPU per plan {cpu_s / n:.1f} s"
    )


if __name__ == "__main__":
    main()
