"""Customers all at one point versus the same customers spread over a city.

    nice -n 10 .venv/bin/python benchmarks/one_point.py --customers 3000 10000 --reps 15

Issue 15 item 11: 10,000 customers at one address (a shopping centre, a geocoder that put
every unmatched address on the city centre) took over 600 s, and 3,000 took 4x as long as
the same 3,000 spread over a city. This generator writes two instances that differ only in
the customers' coordinates: ``spread`` is :func:`generate.generate_instance` over a
``--side-km`` square around Helsinki (towns plus countryside, tiers A/B/C, reps living in
the towns), ``one-point`` moves every customer onto ``(--lat, --lon)``; reps, tiers, ids
and the seed are the same. Each is planned end to end with ``planner plan`` (a fresh
process, haversine travel, maps on unless ``--no-maps``), then ``planner check`` runs on
the plan. Prints one Markdown row per size: wall time of both, the ratio one-point /
spread, coverage and the check verdict. ``--write DIR`` only writes the instances.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import Instance, generate_instance, write_instance  # noqa: E402

HELSINKI = (60.17, 24.94)


def one_point_instance(
    n_customers: int,
    n_reps: int,
    seed: int = 0,
    *,
    lat: float = HELSINKI[0],
    lon: float = HELSINKI[1],
    side_km: float = 20.0,
    spread: bool = False,
) -> Instance:
    """``n_customers`` around ``(lat, lon)``; all exactly at it unless ``spread``.

    Parameters
    ----------
    n_customers, n_reps : int
        Sizes.
    seed : int
        Same seed, same instance (the spread and the one-point instance share it).
    lat, lon : float
        The point (WGS84 degrees), also the centre of the spread instance.
    side_km : float
        Side of the square the spread instance and the reps' homes cover.
    spread : bool
        Keep the generated coordinates (the peer to compare with).
    """
    inst = generate_instance(
        n_customers, n_reps, seed, center_lat=lat, center_lon=lon, side_km=side_km
    )
    if not spread:
        inst.customers["lat"] = lat
        inst.customers["lon"] = lon
    return inst


def _children_cpu_s() -> float:
    """CPU seconds (user + system) of finished child processes and their workers."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def plan_and_check(scenario: Path, out: Path, maps: bool, workers: int) -> dict:
    """Run ``planner plan`` then ``planner check`` in fresh processes: wall and CPU
    seconds of the plan (its worker processes included), the check verdict, the KPIs."""
    planner = [sys.executable, "-m", "planner"]
    cmd = [*planner, "plan", str(scenario), "--out", str(out), "--workers", str(workers)]
    if not maps:
        cmd.append("--no-maps")
    t0 = time.perf_counter()
    cpu0 = _children_cpu_s()
    run = subprocess.run(cmd, capture_output=True, text=True)
    plan_s = time.perf_counter() - t0
    cpu_s = _children_cpu_s() - cpu0
    if run.returncode != 0:
        raise SystemExit(f"plan failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    chk = subprocess.run([*planner, "check", str(out)], capture_output=True, text=True)
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    return {
        "plan_s": plan_s,
        "cpu_s": cpu_s,
        "check": "ok" if chk.returncode == 0 else "FAILED",
        "kpis": kpis,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, nargs="+", default=[3000])
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--weeks", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--side-km", type=float, default=20.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-maps", action="store_true")
    ap.add_argument("--only", choices=["one-point", "spread"], default=None)
    ap.add_argument("--write", type=Path, default=None, help="only write the instances here")
    a = ap.parse_args()
    kinds = [a.only] if a.only else ["spread", "one-point"]
    if a.write is None:
        print(
            "| customers / reps | weeks | instance | plan wall s | CPU s | ratio to spread "
            "(wall / CPU) | required | coverage % | travel h | check |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
    for n in a.customers:
        with tempfile.TemporaryDirectory() as tmp:
            root = a.write or Path(tmp)
            runs = {}
            for kind in kinds:
                inst = one_point_instance(
                    n, a.reps, a.seed, side_km=a.side_km, spread=kind == "spread"
                )
                scenario = write_instance(inst, root / f"{kind}-{n}", weeks=a.weeks)
                if a.write is not None:
                    print(scenario)
                    continue
                runs[kind] = r = plan_and_check(
                    scenario, root / f"plan-{kind}-{n}", not a.no_maps, a.workers
                )
                base = runs.get("spread")
                ratio = (
                    f"{r['plan_s'] / base['plan_s']:.2f} / {r['cpu_s'] / base['cpu_s']:.2f}"
                    if base and kind != "spread"
                    else "-"
                )
                k = r["kpis"]
                print(
                    f"| {n} / {a.reps} | {a.weeks} | {kind} | {r['plan_s']:.1f} | "
                    f"{r['cpu_s']:.1f} | {ratio} | "
                    f"{k.get('required_visits')} | {k.get('coverage_pct')} | "
                    f"{k.get('travel_h')} | {r['check']} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
