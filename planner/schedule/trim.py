"""Territories that hold many times their rep's time: leave the surplus out up front.

Internal to :mod:`planner.schedule`; :func:`trim_over_capacity` and
:func:`visit_floor_s` are exported. A team short
of time keeps its extra work near where it is (docs/territories.md), so a rep who lives
in a city with few colleagues can get a territory holding ten times their time. Every
visit beyond what the days can hold ends unscheduled anyway, but the calendar and the
daily routes would first spread all of them over the days (hundreds of visits a day),
and the calendar's exchanges re-insert every loose visit of the days they touch: one
such territory of the 40,000 / 200 benchmark ran for over 40 minutes.

The trim is a bound, not a guess. Every visit costs its rep at least its service time
plus the drive to it from the nearest other place the route could come from (another
customer of the territory, or the start point). The sum of these lower bounds over the
visits of any feasible plan is at most the rep's working time in the horizon (working
days x workday length; lunch is not taken off, so the time is never understated).
Customers whose bound alone exceeds a workday can never be visited (an island, a
customer too far): they are kept and reported by the calendar and the routes as before. Customers
are taken in priority order (appointments first, then the highest drop penalty, then the
cheapest visits by that bound) and kept, all their visits together, until the bound of
the kept visits reaches :data:`TRIM_MARGIN` times the working time; the rest are
reported unscheduled with the reason. Territories whose visits' bound stays under that
margin (every territory of a team with time to spare, and any within about twice its
rep's time) are not touched, so their plans do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from planner.matrix import TravelMatrix, start_id
from planner.schedule.due import DueVisit

#: Kept work, as a multiple of the rep's working time, measured by the visits' lower
#: bound. Routed time was 1.03-1.24x the bound of the visits planned (5 generated
#: territories and 3 of the 40,000 / 200 benchmark, docs/scheduling.md section 4), so
#: the calendar still chooses among about 1.6-1.9 times what fits.
TRIM_MARGIN = 2.0


def visit_floor_s(customers: pd.DataFrame, matrix: TravelMatrix, rep_id: str) -> dict[str, int]:
    """Per customer: service seconds plus the shortest drive to it from the rep's start
    point or any other customer of ``customers`` (a lower bound on what a visit costs)."""
    cids = [str(c) for c in customers["customer_id"]]
    if not cids:
        return {}
    idx = [matrix.index(c) for c in cids]
    rows = [matrix.index(start_id(rep_id)), *idx]
    sub = np.asarray(matrix.travel_s)[np.ix_(rows, idx)]  # a copy, in the matrix's dtype
    sub[1 + np.arange(len(idx)), np.arange(len(idx))] = np.iinfo(sub.dtype).max  # not itself
    inbound_s = sub.min(axis=0).astype(np.int64)
    service_s = customers["service_s"].to_numpy(dtype=np.int64)
    return {c: int(s + t) for c, s, t in zip(cids, service_s, inbound_s, strict=True)}


def trim_over_capacity(
    due: Sequence[DueVisit],
    floor_s: dict[str, int],
    capacity_s: int,
    penalty: Callable[[DueVisit], int],
    always: set[str],
    day_s: int,
) -> tuple[list[DueVisit], list[DueVisit], float]:
    """Split ``due`` into the visits to plan and those left out.

    Parameters
    ----------
    due : sequence of DueVisit
        The territory's due visits.
    floor_s : dict
        :func:`visit_floor_s` of each customer.
    capacity_s : int
        The rep's working seconds in the horizon (working days x workday length; > 0).
    penalty : callable
        Drop penalty of a visit (higher = more important).
    always : set of str
        Customers always kept (appointments, a rolled plan's customers).
    day_s : int
        Length of the rep's workday. Customers whose bound exceeds it can never be
        visited (an island, a customer too far for a day): they neither count nor take
        budget, and are always kept, so the calendar and the routes report them with
        their own reason.

    Returns
    -------
    (kept, left_out, ratio)
        Visits in their input order; ``ratio`` is the bound of all visits over the
        working time (nothing is left out when it is at most :data:`TRIM_MARGIN`).
    """
    never = {v.customer_id for v in due if floor_s[v.customer_id] > day_s}
    total_s = sum(floor_s[v.customer_id] for v in due if v.customer_id not in never)
    ratio = total_s / capacity_s
    if ratio <= TRIM_MARGIN:
        return list(due), [], ratio
    by_cust: dict[str, list[DueVisit]] = {}
    for v in due:
        by_cust.setdefault(v.customer_id, []).append(v)

    def order(cid: str) -> tuple:
        return (cid not in always, -max(penalty(v) for v in by_cust[cid]), floor_s[cid], cid)

    budget_s = TRIM_MARGIN * capacity_s
    used_s, keep = 0, set(never)
    for cid in sorted(set(by_cust) - never, key=order):
        cost_s = floor_s[cid] * len(by_cust[cid])
        if cid not in always and used_s + cost_s > budget_s:
            break
        keep.add(cid)
        used_s += cost_s
    kept = [v for v in due if v.customer_id in keep]
    return kept, [v for v in due if v.customer_id not in keep], ratio
