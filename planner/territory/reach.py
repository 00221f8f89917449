"""What each rep can do: their capacity per cycle and which customers they can reach.

A rep *can reach* a customer when one visit fits a working day on its own: the drive
from the rep's start point to the customer, the time on site and the drive home fit the
rep's own working hours minus lunch::

    start_s[r, c] + service_s[c] + home_s[r, c] <= day_s[r]

The drive home is taken as the drive from home to the customer (the travel model is
asked for reps x customers only, never customers x reps). A customer no rep can reach is
*unreachable*: it still belongs to a territory (the rep who needs least time), but its
visits cannot be planned and the plan says why.

A rep's *capacity* is the hours they can work in one cycle: working dates x (own hours
minus lunch). The pipeline counts the working dates of the horizon with the scheduling
stage's calendar (working weekdays, ``unavailable`` dates) and scales them to the cycle
(:attr:`planner.territory.TerritoryParams.rep_capacity_h`); without it, working weekdays
x cycle weeks are used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.domain import Workday
from planner.matrix import home_id, start_id

NO_ROUTE_S = 24 * 3600  # a travel time this long means "no route in the travel model"


@dataclass(frozen=True)
class RepTimes:
    """Per rep: travel to every customer, the working day, and the capacity per cycle.

    Attributes
    ----------
    rep_ids : list of str
    start_s : numpy.ndarray
        ``(r, n)`` travel seconds from each rep's start point to each customer.
    home_s : numpy.ndarray
        ``(r, n)`` travel seconds between each rep's home and each customer.
    day_s : numpy.ndarray
        ``(r,)`` seconds of work a day: the rep's own hours minus lunch.
    capacity_h : numpy.ndarray
        ``(r,)`` hours the rep can work in one cycle (0 = away the whole horizon).
    """

    rep_ids: list[str]
    start_s: np.ndarray
    home_s: np.ndarray
    day_s: np.ndarray
    capacity_h: np.ndarray

    @property
    def round_trip_s(self) -> np.ndarray:
        """``(r, n)`` start -> customer plus customer -> home, seconds."""
        return self.start_s + self.home_s

    def need_s(self, service_s: np.ndarray) -> np.ndarray:
        """``(r, n)`` seconds one visit alone takes: there, on site, and home."""
        return self.round_trip_s + np.asarray(service_s, dtype=float)[None, :]

    def reach(self, service_s: np.ndarray) -> np.ndarray:
        """``(r, n)`` bool: the rep has working time and one visit fits their day."""
        ok = self.need_s(service_s) <= self.day_s[:, None]
        ok &= (self.start_s < NO_ROUTE_S) & (self.home_s < NO_ROUTE_S)
        return ok & (self.capacity_h > 0)[:, None]


def day_seconds(reps: pd.DataFrame, workday: Workday) -> np.ndarray:
    """``(r,)`` each rep's working seconds a day: own hours (else the workday) minus lunch."""
    lunch = workday.lunch.duration_s if workday.lunch else 0
    out = []
    for r in reps.to_dict("records"):
        ws, we = r.get("work_start_s"), r.get("work_end_s")
        ws = workday.start_s if ws is None or pd.isna(ws) else int(ws)
        we = workday.end_s if we is None or pd.isna(we) else int(we)
        out.append(max(we - ws - lunch, 0))
    return np.array(out, dtype=float).reshape(len(reps))


def weekly_capacity_h(
    reps: pd.DataFrame, workday: Workday, cycle_weeks: int, given: dict | None = None
) -> np.ndarray:
    """``(r,)`` hours per cycle: ``given[rep_id]`` where known, else working weekdays x
    weeks x (own hours minus lunch)."""
    day_h = day_seconds(reps, workday) / 3600.0
    out = []
    for i, r in enumerate(reps.to_dict("records")):
        rid = str(r["rep_id"])
        if given is not None and rid in given:
            out.append(max(float(given[rid]), 0.0))
            continue
        days = r.get("working_days")
        per_week = 5 if days is None or (isinstance(days, float) and np.isnan(days)) else len(days)
        out.append(per_week * cycle_weeks * day_h[i])
    return np.array(out, dtype=float).reshape(len(reps))


def _start_ids(reps: pd.DataFrame) -> list[str]:
    """The travel point of each rep's start: ``start:<id>`` when it differs from home."""
    out = []
    for r in reps.to_dict("records"):
        rid = str(r["rep_id"])
        s_lat, s_lon = r.get("start_lat"), r.get("start_lon")
        same = (
            s_lat is None
            or s_lon is None
            or pd.isna(s_lat)
            or pd.isna(s_lon)
            or (float(s_lat) == float(r["home_lat"]) and float(s_lon) == float(r["home_lon"]))
        )
        out.append(home_id(rid) if same else start_id(rid))
    return out


def rep_times(
    customers: pd.DataFrame,
    reps: pd.DataFrame,
    travel,
    workday: Workday,
    cycle_weeks: int = 4,
    capacity_h: dict | None = None,
) -> RepTimes:
    """Travel, working day and capacity of every rep (see the module docstring).

    ``travel`` needs ``home:<rep_id>`` for every rep and ``start:<rep_id>`` for reps whose
    start point differs from their home; it is asked for reps x customers only.
    """
    rep_ids = reps["rep_id"].astype(str).tolist()
    cids = customers["customer_id"].astype(str).tolist()
    home_s = np.asarray(travel.rect_s([home_id(r) for r in rep_ids], cids), dtype=float)
    sids = _start_ids(reps)
    if sids == [home_id(r) for r in rep_ids]:
        start_s = home_s
    else:
        start_s = np.asarray(travel.rect_s(sids, cids), dtype=float)
    home_s = home_s.reshape(len(rep_ids), len(cids))
    start_s = start_s.reshape(len(rep_ids), len(cids))
    return RepTimes(
        rep_ids,
        start_s,
        home_s,
        day_seconds(reps, workday),
        weekly_capacity_h(reps, workday, cycle_weeks, capacity_h),
    )


def unreachable_table(times: RepTimes, customers: pd.DataFrame, reach: np.ndarray) -> pd.DataFrame:
    """Customers no rep can reach, with the rep who needs least time.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, nearest_rep_id, need_s, day_s`` (the nearest rep's seconds for
        start -> visit -> home, and their working seconds a day), in customer order.
    """
    cols = ["customer_id", "nearest_rep_id", "need_s", "day_s"]
    none = ~reach.any(axis=0) if reach.size else np.ones(len(customers), dtype=bool)
    idx = np.flatnonzero(none)
    if len(idx) == 0 or len(times.rep_ids) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    need = times.need_s(customers["service_s"].to_numpy(float))[:, idx]
    # reps with working time first; among them the least time
    has_time = times.capacity_h > 0
    need_rank = np.where(has_time[:, None], need, need + 1e12)
    best = np.argmin(need_rank, axis=0)
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"].astype(str).to_numpy()[idx],
            "nearest_rep_id": [times.rep_ids[b] for b in best],
            "need_s": need[best, np.arange(len(idx))].round().astype(np.int64),
            "day_s": times.day_s[best].round().astype(np.int64),
        }
    )


def unreachable_reason(row) -> str:
    """One line for a planner: why a customer's visits cannot be planned."""
    need, day = float(row["need_s"]), float(row["day_s"])
    if need >= NO_ROUTE_S:
        how = "has no route to it in the travel model"
    else:
        how = f"would need {need / 3600:.1f} h for one visit (there, on site, home)"
    return (
        f"no rep can reach this customer within a working day: the nearest, "
        f"{row['nearest_rep_id']}, {how} and works {day / 3600:.1f} h a day "
        "(a rep living nearer would be needed: see 'planner size')"
    )


def cover_homes(
    ids: list[str],
    service_s: np.ndarray,
    travel,
    day_s: float,
    max_homes: int = 10,
    max_candidates: int = 1500,
) -> list[tuple[str, list[str]]]:
    """Where new reps would have to live to reach customers nobody reaches: greedily, the
    customer location from which one rep (working ``day_s`` seconds a day) reaches the
    most of ``ids`` not yet covered.

    Parameters
    ----------
    ids : list of str
        Customer ids (travel model points), usually the unreachable ones.
    service_s : numpy.ndarray
        Their service seconds.
    travel : TravelModel
        Asked for candidates x ``ids`` and back.
    day_s : float
        A new rep's working seconds a day (workday minus lunch).

    Returns
    -------
    list of (customer_id, covered ids)
        The home location (a customer's) and the customers a rep living there reaches,
        best first; empty when ``ids`` is.
    """
    if not ids:
        return []
    step = max(1, len(ids) // max_candidates)
    cand = list(ids[::step])
    there = np.asarray(travel.rect_s(cand, ids), dtype=float).reshape(len(cand), len(ids))
    back = np.asarray(travel.rect_s(ids, cand), dtype=float).reshape(len(ids), len(cand)).T
    cover = there + np.asarray(service_s, dtype=float)[None, :] + back <= day_s
    left = np.ones(len(ids), dtype=bool)
    out: list[tuple[str, list[str]]] = []
    while left.any() and len(out) < max_homes:
        gain = (cover & left[None, :]).sum(axis=1)
        j = int(np.argmax(gain))
        if gain[j] == 0:
            break
        got = cover[j] & left
        out.append((cand[j], [ids[i] for i in np.flatnonzero(got)]))
        left &= ~got
    return out
