"""Required vs planned visits per customer and period (``frequency.csv``).

For a period rule (``visits: {count, per}``) there is one row per calendar period the
horizon touches; for an ``every_weeks`` rule one row for the horizon. ``required`` is
what this plan must hold in the period (the due visits: the rule's count minus visits
already made, or the period's share when the horizon covers it only in part), ``done``
the visits made before the horizon in the period, ``planned`` the plan's visits in it,
``unscheduled`` the due visits the plan reports as not placed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence

import pandas as pd

from planner.domain import Horizon, TierTable
from planner.schedule.due import DueVisit, calendar_periods, customer_histories, rules_of

FREQUENCY_COLUMNS = [
    "customer_id",
    "tier",
    "rule",
    "period",
    "period_start",
    "period_end",
    "required",
    "done",
    "planned",
    "unscheduled",
]


def frequency_table(
    customers: pd.DataFrame,
    tiers: TierTable,
    horizon: Horizon,
    due: Sequence[DueVisit],
    planned: Mapping[str, Sequence[dt.date]],
    unscheduled: Sequence[tuple[str, dt.date]] = (),
    history: Mapping[str, Sequence[dt.date]] | None = None,
) -> pd.DataFrame:
    """One row per customer and period (see the module docstring).

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers (active ones are listed).
    tiers : TierTable
        Tier rules.
    horizon : Horizon
        The plan's horizon.
    due : sequence of DueVisit
        The due visits (appointments' extra visits, ``occurrence == -1``, are not counted).
    planned : mapping
        ``customer_id -> visit dates`` in the plan.
    unscheduled : sequence of (customer_id, due_date)
        Due visits the plan could not place.
    history : mapping, optional
        Past visits (as for :func:`planner.schedule.due_visits`).
    """
    c = customers
    if "active" in c.columns:
        c = c[c["active"].astype(bool)]
    c = c.sort_values("customer_id", kind="stable").reset_index(drop=True)
    if not len(c):
        return pd.DataFrame(columns=FREQUENCY_COLUMNS)
    rules = rules_of(c, tiers)
    pasts = customer_histories(c, history)
    due_by: dict[str, list[DueVisit]] = {}
    for v in due:
        if v.occurrence >= 0:
            due_by.setdefault(v.customer_id, []).append(v)
    uns = Counter(unscheduled)
    rows = []
    for cid, tier in zip(c["customer_id"].astype(str), c["tier"]):
        rule = rules[cid]
        dates = sorted(planned.get(cid, ()))
        mine = due_by.get(cid, [])
        n_uns = {v.due_date: uns[(cid, v.due_date)] for v in mine}
        if rule.is_period_rule:
            periods = calendar_periods(rule.visits_per, horizon.start, horizon.end)
        else:
            periods = [("horizon", horizon.start, horizon.end)]
        for label, a, b in periods:
            if rule.is_period_rule:
                vs = [v for v in mine if v.period == label]
            else:
                vs = mine
            rows.append(
                {
                    "customer_id": cid,
                    "tier": tier,
                    "rule": rule.describe(),
                    "period": label,
                    "period_start": a,
                    "period_end": b,
                    "required": len(vs),
                    "done": sum(a <= d < horizon.start for d in pasts[cid]),
                    "planned": sum(
                        max(a, horizon.start) <= d <= min(b, horizon.end) for d in dates
                    ),
                    "unscheduled": sum(n_uns[v.due_date] for v in vs),
                }
            )
    return pd.DataFrame(rows, columns=FREQUENCY_COLUMNS)
