"""Each territory's share of the work: proportional to its rep's capacity, with the
driving from the rep's start point counted as work.

With ``balance: workload`` a territory's load is the workload of its customers (visits
x (service + travel between visits)) plus its *commute*: on every working day the rep
drives from the start point to the day's first customer and home from the last one,
estimated as the visit-weighted mean of ``start -> customer + customer -> home`` over
the territory, once per working day of the cycle. Territories are balanced so that

    (load + commute) / capacity

is the same for every rep: a Monday-Thursday rep carries about 4/5 of a full-timer's
load, a rep away the whole horizon none, and a rep who lives far from their customers
fewer customers (the drive is work too). Counts and columns (``balance: count`` /
``column``) are shared out in proportion to capacity as well, without commute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Capacity:
    """What each territory (slot) can carry.

    Attributes
    ----------
    hours : numpy.ndarray
        ``(k,)`` capacity per cycle of each territory's rep (vacant territories: the mean
        of the reps who have time).
    days : numpy.ndarray
        ``(k,)`` working days per cycle.
    trip_s : numpy.ndarray
        ``(k, n)`` seconds from the territory's start point to each customer and back
        home (the commute of a day that starts or ends there).
    visits : numpy.ndarray
        ``(n,)`` visits per cycle of each customer.
    """

    hours: np.ndarray
    days: np.ndarray
    trip_s: np.ndarray
    visits: np.ndarray

    def commute_h(self, cust_slot: np.ndarray) -> np.ndarray:
        """``(k,)`` commute hours per cycle of each territory, given each customer's slot
        (``-1`` = none yet)."""
        k = len(self.hours)
        ok = np.flatnonzero(cust_slot >= 0)
        t = cust_slot[ok]
        v = self.visits[ok]
        num = np.bincount(t, weights=v * self.trip_s[t, ok], minlength=k)
        den = np.bincount(t, weights=v, minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_s = np.where(den > 0, num / den, 0.0)
        return self.days * mean_s / 3600.0

    def goal(self, total: float, commute_h: np.ndarray) -> np.ndarray:
        """``(k,)`` each territory's fair load, commute included: the whole (``total`` of
        the balanced quantity plus all commute) shared in proportion to capacity."""
        cap = float(self.hours.sum())
        if cap <= 0:
            return np.full(len(self.hours), (total + commute_h.sum()) / max(len(self.hours), 1))
        return (total + float(commute_h.sum())) * self.hours / cap

    def short(self, total: float, commute_h: np.ndarray) -> bool:
        """Whether the team has more work (``total`` hours plus commute) than time."""
        return total + float(commute_h.sum()) > float(self.hours.sum())

    def bounds(
        self, total: float, commute_h: np.ndarray, band: float, hours: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(k,)`` lower and upper balanced quantity (commute excluded) within ``band``
        of each territory's goal. With ``hours`` (the balanced quantity is hours of
        work), a team short of time fills each rep to their capacity at least, not to
        the share above it: the excess stays where it is rather than travelling."""
        g = self.goal(total, commute_h)
        # short of time: the lower edge is hours x (1 + band) x (1 - band), i.e. the
        # capacity less band squared (1 % at the 10 % tolerance); the excess stays put
        floor = np.minimum(g, self.hours * (1 + band)) if hours else g
        lower = np.maximum(floor * (1 - band) - commute_h, 0.0)
        upper = np.maximum(g * (1 + band) - commute_h, 0.0)
        return lower, upper

    def deviation_pct(self, load: np.ndarray, commute_h: np.ndarray) -> np.ndarray:
        """``(k,)`` (load + commute) minus the goal, as % of the goal (NaN: no goal)."""
        g = self.goal(float(load.sum()), commute_h)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(g > 0, (load + commute_h - g) / g * 100.0, np.nan)
