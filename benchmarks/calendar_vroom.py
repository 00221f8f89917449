"""The peer model for benchmarks/calendar_vs_vroom.py: a whole horizon as one VRPTW in VROOM.

One vehicle per working day on a multi-day timeline (day ``i`` runs from
``86400 * i + work_start`` to ``86400 * i + work_end``, from the rep's start point to home,
with the lunch break). Each due visit is a job whose time windows are the opening hours of
every allowed day of its window (the same windows the planner's calendar respects), so
VROOM chooses the day and the order freely, without any weekday cadence.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd

from planner.domain import Horizon, Workday
from planner.matrix import TravelMatrix, home_id, start_id
from planner.schedule import DueVisit, rep_window, rep_work_dates


def vroom_plan(customers: pd.DataFrame, rep: dict, due: list[DueVisit], matrix: TravelMatrix,
               horizon: Horizon, workday: Workday, exploration_level: int = 5,
               threads: int = 2) -> dict:
    """Solve the horizon with VROOM; returns travel, assigned visits, runtime and cadence.

    Returns
    -------
    dict
        ``travel_s`` (all routes, incl. the way home), ``assigned``, ``unassigned``,
        ``runtime_s``, ``weekly_same_weekday_pct`` (share of weekly/two-weekly customers
        whose visits all fall on one weekday), ``days`` (customer_id -> dates).
    """
    import vroom

    rid = str(rep["rep_id"])
    ws, we = rep_window(rep, workday)
    dates = rep_work_dates(rep, horizon)
    s_idx, e_idx = matrix.index(start_id(rid)), matrix.index(home_id(rid))
    cust = customers.set_index("customer_id")
    inp = vroom.Input()
    inp.set_durations_matrix("car", np.asarray(matrix.travel_s, dtype=np.uint32))
    for k, d in enumerate(dates):
        off = 86400 * (d - horizon.start).days
        breaks = []
        if workday.lunch:
            lb = workday.lunch
            breaks = [vroom.Break(k + 1, [vroom.TimeWindow(off + lb.earliest_s,
                                                           off + lb.latest_s - lb.duration_s)],
                                  service=lb.duration_s)]
        inp.add_vehicle(vroom.Vehicle(k + 1, start=s_idx, end=e_idx,
                                      time_window=vroom.TimeWindow(off + ws, off + we),
                                      breaks=breaks))
    jobs = {}
    for j, v in enumerate(due):
        c = cust.loc[v.customer_id]
        svc = int(c["service_s"])
        tws = []
        for d in dates:
            if not v.earliest <= d <= v.latest:
                continue
            off = 86400 * (d - horizon.start).days
            for a, b in c["hours"][d.weekday()]:
                lo, hi = max(a, ws), min(b, we) - svc
                if lo <= hi:
                    tws.append(vroom.TimeWindow(off + lo, off + hi))
        if not tws:
            continue
        jobs[j + 1] = v
        inp.add_job(vroom.Job(j + 1, location=matrix.index(v.customer_id), default_service=svc,
                              time_windows=tws))
    t0 = time.perf_counter()
    sol = inp.solve(exploration_level=exploration_level, nb_threads=threads)
    runtime = time.perf_counter() - t0
    routes = sol.routes
    travel = 0
    days: dict[str, list[dt.date]] = {}
    for vid, grp in routes.groupby("vehicle_id"):
        steps = grp[grp["type"].isin(["start", "job", "end"])].reset_index(drop=True)
        locs = steps["location_index"].to_numpy()
        if (steps["type"] == "job").sum() == 0:
            continue
        travel += int(sum(matrix.travel_s[locs[i], locs[i + 1]] for i in range(len(locs) - 1)))
        for jid in steps.loc[steps["type"] == "job", "id"]:
            v = jobs[int(jid)]
            days.setdefault(v.customer_id, []).append(dates[int(vid) - 1])
    assigned = sum(len(x) for x in days.values())
    pattern = [c for c, g in cust.iterrows() if c in days and len(days[c]) > 1]
    same = sum(1 for c in pattern if len({d.weekday() for d in days[c]}) == 1)
    return {"travel_s": travel, "assigned": assigned, "unassigned": len(due) - assigned,
            "runtime_s": runtime,
            "weekly_same_weekday_pct": round(100.0 * same / len(pattern), 1) if pattern else 100.0,
            "days": days}
