"""Rolling simulation of the weekly loop: plan, simulate the week, feed the log, roll.

    .venv/bin/python benchmarks/rolling_sim.py --customers 500 --reps 5 --weeks 12 \\
        --miss 0.10 --unplanned 0.03 --scratch --out /tmp/rolling

On a generated instance (``benchmarks/generate.py``, haversine travel), every Monday:

1. plan ``--horizon-weeks`` weeks ahead with ``planner plan`` semantics: the scenario
   ``extends`` the base with the new horizon, ``previous_plan:`` (last week's plan) and
   ``actuals:`` (the log folder so far);
2. simulate the week: each planned visit of its first week is missed with probability
   ``--miss`` (seeded), else done on its planned day; ``--unplanned`` x the week's planned
   visits extra done visits go to random other customers of the reps on random working
   days; the week's rows are written to ``log/week_NN.csv``;
3. measure: ``planner actuals`` completion of the week, the share of the previous plan's
   visits kept on their date (next week and all common days; and among customers not
   touched by a miss), missed A visits re-planned within 5 working days or reported,
   the week's driving, ``planner check`` violations and the run time of the roll;
   with ``--scratch`` also a plan of the same week made with the log but without the
   previous plan (driving without the stability of the roll).

At the end: visits per customer against its tier's rule over the simulated weeks, the
longest gap between visits per tier, and (``--miss 0``) whether the first four rolled
weeks hold the same visits as the first four-week plan. Prints Markdown (``--md FILE``
also writes it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_instance, write_instance  # noqa: E402

from planner.actuals import ActualsParams, run_actuals  # noqa: E402
from planner.check import check_plan_dir  # noqa: E402
from planner.domain import DEFAULT_TIERS  # noqa: E402
from planner.files import write_text  # noqa: E402
from planner.pipeline import run_plan, write_plan  # noqa: E402
from planner.plan import Plan  # noqa: E402
from planner.scenario import load_scenario  # noqa: E402
from planner.schedule.preferred import CARRIED_REASON  # noqa: E402

HEADER = "customer_id,rep_id,date,status,start,duration_min,outcome,person_met,purpose,notes"
START = dt.date(2026, 11, 30)  # a Monday


def week_scenario(base: Path, out: Path, k: int, weeks: int, roll: bool) -> Path:
    """The scenario of week ``k``: the base with a new horizon, rolled when ``roll``."""
    data: dict = {
        "extends": base.name,
        "name": f"week {k + 1}" + ("" if roll else " from scratch"),
        "horizon": {"start": (START + dt.timedelta(weeks=k)).isoformat(), "weeks": weeks},
    }
    if k > 0:
        data["actuals"] = "log"
        if roll:
            data["previous_plan"] = f"plan_{k - 1:02d}"
    path = out / (f"week_{k:02d}.yaml" if roll else f"scratch_{k:02d}.yaml")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def simulate_week(
    plan: Plan, start: dt.date, miss: float, unplanned: float, rng: np.random.Generator
) -> pd.DataFrame:
    """The log rows of the plan's first week: misses, done visits, unplanned visits."""
    end = start + dt.timedelta(days=6)
    v = plan.visits[(plan.visits["date"] >= start) & (plan.visits["date"] <= end)]
    v = v.sort_values(["date", "rep_id", "seq"], kind="stable")
    rows = []
    for r in v.itertuples():
        missed = rng.random() < miss
        rows.append(
            {
                "customer_id": r.customer_id,
                "rep_id": r.rep_id,
                "date": r.date,
                "status": "missed" if missed else "done",
                "notes": "simulated miss" if missed else "",
            }
        )
    n_extra = int(round(unplanned * len(v)))
    visited = set(v["customer_id"])
    a = plan.assignments[~plan.assignments["customer_id"].isin(visited)]
    days = [start + dt.timedelta(days=i) for i in range(5)]
    for i in rng.choice(len(a), size=min(n_extra, len(a)), replace=False):
        c = a.iloc[int(i)]
        rows.append(
            {
                "customer_id": c["customer_id"],
                "rep_id": c["rep_id"],
                "date": days[int(rng.integers(len(days)))],
                "status": "done",
                "notes": "simulated unplanned visit",
            }
        )
    return pd.DataFrame(rows, columns=["customer_id", "rep_id", "date", "status", "notes"])


def write_log(rows: pd.DataFrame, path: Path) -> None:
    lines = [HEADER]
    for r in rows.itertuples():
        lines.append(f"{r.customer_id},{r.rep_id},{r.date.isoformat()},{r.status},,,,,,{r.notes}")
    write_text(path, "\n".join(lines) + "\n")


def kept_share(prev: Plan, new: Plan, start: dt.date, end: dt.date, skip: set[str]) -> tuple:
    """(kept, of) previous visits in ``start..end`` still on their date in ``new``."""
    pv = prev.visits[(prev.visits["date"] >= start) & (prev.visits["date"] <= end)]
    pv = pv[~pv["customer_id"].isin(skip)]
    keys = set(zip(new.visits["customer_id"], new.visits["date"], strict=True))
    kept = sum(1 for k in zip(pv["customer_id"], pv["date"], strict=True) if k in keys)
    return kept, len(pv)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Monday-Friday days after ``a`` up to ``b`` (inclusive)."""
    return sum(1 for i in range(1, (b - a).days + 1) if (a + dt.timedelta(days=i)).weekday() < 5)


def missed_a_followup(miss_rows: pd.DataFrame, nxt: Plan, tier_of: dict) -> tuple[int, int, int]:
    """Missed A visits: (missed, re-planned within 5 working days (Monday-Friday) of the
    miss, reported unscheduled as a make-up visit)."""
    a = miss_rows[miss_rows["customer_id"].map(tier_of) == "A"]
    within = reported = 0
    for r in a.itertuples():
        days = nxt.visits.loc[nxt.visits["customer_id"] == r.customer_id, "date"]
        if any(working_days_between(r.date, d) <= 5 for d in days if d > r.date):
            within += 1
        elif (
            (nxt.unscheduled["customer_id"] == r.customer_id)
            & nxt.unscheduled["reason"].astype(str).str.startswith(CARRIED_REASON)
        ).any():
            reported += 1  # unscheduled as a make-up visit, with the reason
    return len(a), within, reported


def pct(a: float, b: float) -> str:
    return f"{100.0 * a / b:.1f}" if b else "-"


def main() -> None:  # noqa: PLR0915 - a linear script
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=500)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--weeks", type=int, default=12, help="weeks simulated (rolls)")
    ap.add_argument("--horizon-weeks", type=int, default=4)
    ap.add_argument("--miss", type=float, default=0.10)
    ap.add_argument("--unplanned", type=float, default=0.03)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--scratch", action="store_true", help="also plan each week without roll")
    ap.add_argument("--check", action="store_true", help="planner check every rolled plan")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--md", type=Path, default=None)
    ap.add_argument(
        "--summary-only", action="store_true", help="only the per-tier table of --out's logs"
    )
    a = ap.parse_args()

    out = a.out
    if a.summary_only:
        c = pd.read_csv(out / "customers.csv", dtype=str).rename(columns={"id": "customer_id"})
        every = {t: DEFAULT_TIERS[t].every_weeks for t in DEFAULT_TIERS.names()}  # generate's
        print("\n".join(tier_table(c, every, read_logs(out / "log"), a.weeks, out)))
        return
    (out / "log").mkdir(parents=True, exist_ok=True)
    inst = generate_instance(a.customers, a.reps, a.seed)
    base = write_instance(inst, out, horizon_start=START, weeks=a.horizon_weeks)
    base = base.rename(out / "base.yaml")
    with open(base, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["workers"] = a.workers
    base.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    tier_of = dict(zip(inst.customers["customer_id"], inst.customers["tier"], strict=True))
    rng = np.random.default_rng(a.seed)

    lines = [
        f"Instance: {a.customers} customers / {a.reps} reps (seed {a.seed}); "
        f"{a.horizon_weeks}-week plans rolled weekly for {a.weeks} weeks; "
        f"misses {a.miss:.0%}, unplanned {a.unplanned:.0%}.",
        "",
        "| week | start | roll s | planned | done | completion % | unplanned | next week kept % "
        "| common days kept % | kept, untouched by a miss % | missed A: within 5 d / reported "
        "| changes (moved/added/removed) | travel h (week) | scratch travel h | check |",
        "| " + " | ".join(["---"] * 15) + " |",
    ]
    plans: list[Plan] = []
    logs: list[pd.DataFrame] = []
    totals = {"travel": 0.0, "scratch": 0.0, "kept1": [0, 0], "kept": [0, 0], "untouched": [0, 0]}
    for k in range(a.weeks):
        start = START + dt.timedelta(weeks=k)
        end = start + dt.timedelta(days=6)
        t0 = time.perf_counter()
        plan = run_plan(load_scenario(week_scenario(base, out, k, a.horizon_weeks, True)))
        pdir = out / f"plan_{k:02d}"
        write_plan(plan, pdir, maps=False)
        roll_s = time.perf_counter() - t0
        week_routes = plan.routes[(plan.routes["date"] >= start) & (plan.routes["date"] <= end)]
        travel_h = float(week_routes["travel_s"].sum()) / 3600
        totals["travel"] += travel_h
        scratch = "-"
        if a.scratch:
            sp = run_plan(load_scenario(week_scenario(base, out, k, a.horizon_weeks, False)))
            sr = sp.routes[(sp.routes["date"] >= start) & (sp.routes["date"] <= end)]
            s_h = float(sr["travel_s"].sum()) / 3600
            totals["scratch"] += s_h
            scratch = f"{s_h:.1f}"
        # the week happens only now: the scratch plan saw the same log as the roll
        rows = simulate_week(plan, start, a.miss, a.unplanned, rng)
        write_log(rows, out / "log" / f"week_{k:02d}.csv")
        logs.append(rows)
        act = run_actuals(ActualsParams(pdir, (out / "log",), out / f"actuals_{k:02d}", end))
        wk = act.completion[(act.completion["group"] == "week") & (act.completion["week"] == 1)]
        w = wk.iloc[0]
        kept1 = kept = untouched = "-"
        follow = "-"
        if plans:
            prev = plans[-1]
            prev_end = dt.date.fromisoformat(prev.meta["horizon"]["end"])
            k1 = kept_share(prev, plan, start, end, set())
            kall = kept_share(prev, plan, start, prev_end, set())
            missed_ids = set(logs[-2].loc[logs[-2]["status"] == "missed", "customer_id"])
            kun = kept_share(prev, plan, start, prev_end, missed_ids)
            for key, val in (("kept1", k1), ("kept", kall), ("untouched", kun)):
                totals[key][0] += val[0]
                totals[key][1] += val[1]
            kept1, kept, untouched = pct(*k1), pct(*kall), pct(*kun)
            prev_miss = logs[-2][logs[-2]["status"] == "missed"]
            m, within, rep = missed_a_followup(prev_miss, plan, tier_of)
            follow = f"{within}/{m} ; {rep}"
        ch = "-"
        if plan.changes is not None:
            c = plan.changes["change"].value_counts()
            ch = f"{c.get('moved', 0)}/{c.get('added', 0)}/{c.get('removed', 0)}"
        check = "-"
        if a.check:
            check = str(len(check_plan_dir(pdir)))
        lines.append(
            f"| {k + 1} | {start} | {roll_s:.1f} | {int(w['planned'])} | {int(w['done'])} | "
            f"{w['completion_pct']} | {int(w['unplanned'])} | {kept1} | {kept} | {untouched} | "
            f"{follow} | {ch} | {travel_h:.1f} | {scratch} | {check} |"
        )
        print(lines[-1], flush=True)
        plans.append(plan)

    lines += ["", summary(inst, logs, a, totals, plans)]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.md:
        write_text(a.md, text)


SLACK_DAYS = 4
"""A visit may take another weekday of its week: gaps up to the interval + 4 days are on rule."""


def first_roll_after(miss: dt.date) -> dt.date:
    """The first day a plan can react to a miss: the weekly log of the miss's week comes
    back for the next Monday's roll."""
    return miss + dt.timedelta(days=7 - miss.weekday())


def tier_table(
    customers: pd.DataFrame, every: dict, log: pd.DataFrame, weeks: int, out: Path | None = None
) -> list[str]:
    """Visits per customer against its tier's rule, longest gaps, gaps over the rule, those
    with a missed visit inside, and those where the miss could have been caught up in time
    (the roll after the miss started on or before the previous visit + interval + slack;
    otherwise the weekly log came back too late for any plan to keep the interval). With
    ``out`` (the run's folder), the last column counts, of those, the customers the plan
    rolled after such a miss did not visit by that day (:func:`late_plans`): silently, or
    reported in ``unscheduled.csv`` (no room by the make-up deadline). A make-up planned
    in time and missed again is the new miss's gap."""
    done = log[log["status"] == "done"]
    missed = log[log["status"] != "done"]
    head = (
        "| tier | customers | rule (visits in the weeks) | done per customer: mean / min / max "
        f"| longest gap (days): median / max | customers with a gap > interval + {SLACK_DAYS} d "
        "| of which with a miss inside | of which the miss could be caught up in time |"
    )
    rows = []
    visits = _plan_visits(out) if out is not None else None
    for t in sorted(every):
        ids = customers.loc[customers["tier"] == t, "customer_id"]
        per = done.groupby("customer_id").size().reindex(ids, fill_value=0)
        limit = dt.timedelta(days=7 * every[t] + SLACK_DAYS)
        gaps, over, over_miss, catchable, late, reported = [], 0, 0, 0, 0, 0
        for cid in ids:
            ds = sorted(done.loc[done["customer_id"] == cid, "date"])
            ms = list(missed.loc[missed["customer_id"] == cid, "date"])
            long = [(x, y) for x, y in zip(ds, ds[1:], strict=False)]
            gaps.append(max(((y - x).days for x, y in long), default=0))
            bad = [(x, y) for x, y in long if y - x > limit]
            over += bool(bad)
            over_miss += any(x < m < y for x, y in bad for m in ms)
            caught = [
                (x, m) for x, y in bad for m in ms if x < m < y and first_roll_after(m) <= x + limit
            ]
            catchable += bool(caught)
            if visits is not None:
                why = {late_plans(visits, cid, m, x + limit) for x, m in caught}
                late += "late" in why
                reported += "reported" in why and "late" not in why
        rows.append(
            f"| {t} | {len(ids)} | every {every[t]} week(s): {weeks / every[t]:.1f} | "
            f"{per.mean():.2f} / {per.min()} / {per.max()} | {np.median(gaps):.0f} / "
            f"{max(gaps)} | {over} | {over_miss} | {catchable} |"
            + (f" {late} / {reported} |" if visits is not None else "")
        )
    if visits is not None:
        head += (
            " of which the plan after the miss did not visit in time: not reported / reported"
            " (no room by the deadline) |"
        )
    return [head, "| " + " | ".join(["---"] * (head.count(" | ") + 1)) + " |", *rows]


def _plan_visits(out: Path) -> dict[dt.date, tuple[pd.DataFrame, set[str]]]:
    """Each rolled plan's visits (``out/plan_NN/visits.csv``) and the customers whose
    make-up visit it reported unscheduled, by the plan's first Monday."""
    plans = {}
    for d in sorted(out.glob("plan_*")):
        if not (d / "visits.csv").exists():
            continue
        v = pd.read_csv(d / "visits.csv", dtype=str, keep_default_na=False)
        v["date"] = v["date"].map(dt.date.fromisoformat)
        u = pd.read_csv(d / "unscheduled.csv", dtype=str, keep_default_na=False)
        reported = set(u.loc[u["reason"].str.startswith(CARRIED_REASON), "customer_id"])
        plans[START + dt.timedelta(weeks=int(d.name.split("_")[1]))] = (v, reported)
    return plans


def late_plans(visits: dict, cid: str, miss: dt.date, by: dt.date) -> str:
    """``"late"`` when the plan rolled after ``miss`` gives ``cid`` no visit from its start
    up to ``by`` and does not report the make-up, ``"reported"`` when it reports it
    unscheduled (no room by its deadline), ``""`` otherwise (or without that plan)."""
    roll = first_roll_after(miss)
    if roll not in visits:
        return ""
    v, reported = visits[roll]
    mine = v[(v["customer_id"] == cid) & (v["date"] >= roll) & (v["date"] <= by)]
    if not mine.empty:
        return ""
    return "reported" if cid in reported else "late"


def read_logs(folder: Path) -> pd.DataFrame:
    """The simulated log rows written so far (dates as ``datetime.date``)."""
    frames = [
        pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(folder.glob("*.csv"))
    ]
    log = pd.concat(frames, ignore_index=True)
    log["date"] = log["date"].map(dt.date.fromisoformat)
    return log


def summary(inst, logs: list[pd.DataFrame], a, totals: dict, plans: list[Plan]) -> str:
    """Visits per customer against the tier rule, longest gaps, totals."""
    log = pd.concat(logs, ignore_index=True)
    every = {t: inst.tiers[t].every_weeks for t in inst.tiers.names()}
    out = tier_table(inst.customers, every, log, a.weeks, a.out)
    out.append("")
    k1, kall, kun = totals["kept1"], totals["kept"], totals["untouched"]
    out.append(
        f"All rolls: next week kept {pct(*k1)} %, common days kept {pct(*kall)} %, "
        f"untouched by a miss kept {pct(*kun)} %; travel {totals['travel']:.1f} h"
        + (f" vs from scratch {totals['scratch']:.1f} h" if a.scratch else "")
        + "."
    )
    if a.miss == 0 and len(plans) >= 4:
        first = plans[0].visits
        four = pd.concat(
            [
                p.visits[
                    (p.visits["date"] >= START + dt.timedelta(weeks=i))
                    & (p.visits["date"] < START + dt.timedelta(weeks=i + 1))
                ]
                for i, p in enumerate(plans[:4])
            ]
        )
        one = set(zip(first["customer_id"], first["date"], strict=True))
        rolled = set(zip(four["customer_id"], four["date"], strict=True))
        out.append(
            f"Four rolled weeks: {len(rolled)} visits; one four-week plan: {len(one)}; "
            f"same customer and date: {len(one & rolled)}."
        )
    return "\n".join(out)


if __name__ == "__main__":
    main()
