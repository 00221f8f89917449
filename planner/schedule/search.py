"""The calendar's search: day books, weekday sectors, local search and LNS over days.

Internal to :mod:`planner.schedule.calendar`. Days are indices into the rep's working
dates; customers are matrix indices (``node``). A *unit* is what moves as one piece: a
weekly-pattern customer (all its visits change weekday together, so the cadence holds) or
one dated visit.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from planner.schedule.due import DueVisit
from planner.schedule.tours import (
    Matrix,
    best_insertion,
    build_tour,
    improve_tour,
    removal_gain,
    tour_cost,
)

OVERLOAD_WEIGHT = 10.0  # cost per second of planned time beyond a day's capacity
GAP_COST = 1e5  # cost per day a gap between two visits of a customer breaks min/max gap
WAIT_WEIGHT = 0.5  # cost per second of waiting for an opening time in a day's estimate
LATE_WEIGHT = 20.0  # cost per second a visit would end after its customer closes
OVERFULL_COST = 1e9  # cost per visit beyond max_visits_per_day
MIN_GAIN = 1.0  # seconds: smaller improvements are ignored (no churn)
# LNS ruin operators: probabilities of related / worst / same-day-related / one day
OP_RELATED, OP_WORST, OP_DAYS = 0.4, 0.2, 0.25
INSERTION_MEMO_TOURS = 4096  # tours whose insertion costs a day book remembers (LRU)
POLISH_MEMO_TOURS = 4096  # polished tours a day book remembers (LRU)
TEMP_START = 0.003  # SA start temperature, share of the starting cost (cools to 1 % of it)


class DayHours:
    """Opening hours of every stop on every working day, for the day cost.

    ``windows[d][node]`` lists the opening intervals of ``node`` on day ``d`` (seconds);
    :meth:`penalty` walks a tour from ``work_start_s`` and charges waiting for an
    opening time and visits that would end after closing (no lunch: an estimate).
    """

    def __init__(
        self, windows: list[dict[int, tuple]], service: dict[int, int], work_start_s: int
    ) -> None:
        self.windows, self.service, self.ws = windows, service, int(work_start_s)

    def penalty(self, d: int, tour: list[int], T: Matrix) -> float:
        wins, t, cost = self.windows[d], self.ws, 0.0
        for k in range(1, len(tour) - 1):
            x = tour[k]
            t += T[tour[k - 1]][x]
            svc = self.service.get(x, 0)
            iv = wins.get(x)
            if iv:
                for a, b in iv:
                    if max(t, a) + svc <= b:
                        if a > t:
                            cost += WAIT_WEIGHT * (a - t)
                            t = a
                        break
                else:
                    cost += LATE_WEIGHT * max(0, t + svc - iv[-1][1]) + LATE_WEIGHT * 60
            t += svc
        return cost


@dataclass
class Slot:
    """One due visit while the calendar works on it."""

    index: int
    cid: str
    node: int
    service_s: int
    rank: int
    due: DueVisit
    fixed_start_s: int | None = None
    day: int | None = None
    dead: bool = False
    prev: int | None = None  # slot index of the customer's previous visit (gap rules)
    next: int | None = None
    preferred: int | None = None  # day ordinal the visit should keep (soft)


@dataclass
class Unit:
    """Visits that move together: ``options[o][k]`` is the day of ``slots[k]`` in option o."""

    cid: str
    node: int
    slots: list[int]
    options: list[tuple[int | None, ...]]
    labels: list[int]  # weekday (pattern) or day index (dated visit) of each option
    choice: int = -1


def _compact_matrix(T: Matrix) -> tuple[np.ndarray, np.ndarray]:
    """``T`` and its transpose as C-ordered arrays, in int32 when sums of three entries
    cannot overflow it (same values, half the memory traffic of int64)."""
    Tn = np.asarray(T, dtype=np.int64)
    if Tn.size and int(np.abs(Tn).max()) < 2**29:
        Tn = Tn.astype(np.int32)
    return Tn, np.ascontiguousarray(Tn.T)


class DayBook:
    """Estimated tour, travel, service and visit count of every working day."""

    def __init__(
        self,
        T: Matrix,
        start: int,
        end: int,
        n_days: int,
        capacity_s: int,
        max_visits: int,
        balance_weight: float,
        day_cost_s: float = 0.0,
        hours: DayHours | None = None,
    ) -> None:
        self.T, self.start, self.end = T, start, end
        self.day_cost_s = float(day_cost_s)
        self.hours = hours
        self.tw = [0.0] * n_days
        self.n = n_days
        self.tours: list[list[int]] = [[start, end] for _ in range(n_days)]
        self.travel = [T[start][end]] * n_days
        self.service = [0] * n_days
        self.count = [0] * n_days
        self.version = [0] * n_days
        self.cap = max(int(capacity_s), 1)
        self.max_visits = int(max_visits)
        self.beta = float(balance_weight)
        self.Tn, self.TnT = _compact_matrix(T)
        self._ins: list[list[int]] = [[] for _ in range(n_days)]
        self._ins_memo: OrderedDict[tuple[int, ...], np.ndarray] = OrderedDict()
        self._polish_memo: OrderedDict[tuple, tuple[tuple[int, ...], int, float]] = OrderedDict()
        self._ins_version = [-1] * n_days
        self._dc = [0.0] * n_days  # day_cost cache, valid while version[d] matches
        self._dc_version = [-1] * n_days
        self._rm: dict[int, tuple[int, int, float]] = {}  # slot -> (day, version, delta_remove)

    # ------------------------------------------------------------------ costs
    def cost(self, travel: float, service: float, count: int, tw: float = 0.0) -> float:
        if count == 0:
            return 0.0
        c = self.day_cost_s + tw
        if self.max_visits and count > self.max_visits:
            c += OVERFULL_COST * (count - self.max_visits)
        load = travel + service
        return (
            c
            + travel
            + OVERLOAD_WEIGHT * max(0.0, load - self.cap)
            + self.beta * load * load / self.cap
        )

    def day_cost(self, d: int) -> float:
        if self._dc_version[d] != self.version[d]:
            self._dc[d] = self.cost(self.travel[d], self.service[d], self.count[d], self.tw[d])
            self._dc_version[d] = self.version[d]
        return self._dc[d]

    def total(self) -> float:
        return sum(self.day_cost(d) for d in range(self.n))

    def insertion_costs(self, d: int) -> list[int]:
        """Cheapest extra travel to insert each matrix node into day ``d``'s tour."""
        if self._ins_version[d] != self.version[d]:
            self._ins[d] = self._tour_insertions(self.tours[d])
            self._ins_version[d] = self.version[d]
        return self._ins[d]

    def _tour_insertions(self, tour: list[int]) -> list[int]:
        """:meth:`insertion_costs` of a tour, remembered for the last tours seen: the
        search often returns to a tour (a rejected ruin-and-recreate restores it)."""
        key = tuple(tour)
        memo = self._ins_memo
        row = memo.get(key)
        if row is None:
            t = np.array(tour)
            a, b = t[:-1], t[1:]
            c = self.Tn[a] + self.TnT[b]
            c -= self.Tn[a, b][:, None]
            row = memo[key] = c.min(axis=0)
            if len(memo) > INSERTION_MEMO_TOURS:
                memo.popitem(last=False)
        else:
            memo.move_to_end(key)
        return row.tolist()

    def delta_add(self, s: Slot, d: int) -> float:
        """Cost change of adding ``s`` to day ``d`` (cheapest insertion, no re-optimisation).

        :meth:`cost` written out (the search's hottest line; the same arithmetic in the
        same order, so the same floats: ``tests/test_schedule_daybook.py`` holds them
        equal)."""
        count = self.count[d] + 1
        c = self.day_cost_s + self.tw[d]
        if self.max_visits and count > self.max_visits:
            c += OVERFULL_COST * (count - self.max_visits)
        travel = self.travel[d] + self.insertion_costs(d)[s.node]
        load = travel + (self.service[d] + s.service_s)
        cap = self.cap
        over: float = load - cap
        if over < 0.0:
            over = 0.0
        return (
            c + travel + OVERLOAD_WEIGHT * over + self.beta * load * load / cap
        ) - self.day_cost(d)

    def delta_remove(self, s: Slot) -> float:
        """Cost change of taking ``s`` off its day, remembered per visit while the day's
        version stands (the "worst" ruin asks it of every visit, most days unchanged)."""
        d = s.day
        assert d is not None
        version = self.version[d]
        hit = self._rm.get(s.index)
        if hit is not None and hit[0] == d and hit[1] == version:
            return hit[2]
        tour = self.tours[d]
        gain = removal_gain(self.T, tour, tour.index(s.node))
        out = self.cost(
            self.travel[d] - gain, self.service[d] - s.service_s, self.count[d] - 1, self.tw[d]
        ) - self.day_cost(d)
        self._rm[s.index] = (d, version, out)
        return out

    # ------------------------------------------------------------------ changes
    def add(self, s: Slot, d: int) -> None:
        ins, pos = best_insertion(self.T, self.tours[d], s.node)
        self.tours[d].insert(pos, s.node)
        self.travel[d] += ins
        self.service[d] += s.service_s
        self.count[d] += 1
        self.version[d] += 1
        s.day = d

    def remove(self, s: Slot) -> None:
        d = s.day
        assert d is not None
        tour = self.tours[d]
        pos = tour.index(s.node)
        self.travel[d] -= removal_gain(self.T, tour, pos)
        del tour[pos]
        self.service[d] -= s.service_s
        self.count[d] -= 1
        if not self.count[d]:
            self.tw[d] = 0.0  # an empty day has no opening-hours cost
        self.version[d] += 1
        s.day = None

    def polish(self, days) -> None:
        """Improve the tours of ``days`` (2-opt, or-opt, opening hours). The result is a
        function of the day and its tour, remembered for the last tours seen: the search
        polishes the same tour of a day again and again."""
        memo = self._polish_memo
        for d in days:
            key = (d, tuple(self.tours[d]))
            done = memo.get(key)
            if done is None:
                improve_tour(self.T, self.tours[d])
                self._timed(d)
                done = memo[key] = (tuple(self.tours[d]), self.travel[d], self.tw[d])
                if len(memo) > POLISH_MEMO_TOURS:
                    memo.popitem(last=False)
            else:
                memo.move_to_end(key)
                self.tours[d], self.travel[d], self.tw[d] = list(done[0]), done[1], done[2]
            self.version[d] += 1

    def rebuild(self, d: int, nodes: list[int]) -> None:
        self.tours[d] = build_tour(self.T, self.start, self.end, nodes)
        self._timed(d)
        self.version[d] += 1

    def _timed(self, d: int) -> None:
        """Travel of day ``d`` and its opening-hours cost; the reversed order is kept
        when opening hours make it cheaper."""
        tour = self.tours[d]
        self.travel[d] = tour_cost(self.T, tour)
        if self.hours is None or len(tour) < 3:
            self.tw[d] = 0.0
            return
        tw = self.hours.penalty(d, tour, self.T)
        if tw > 0:
            rev = [tour[0], *tour[-2:0:-1], tour[-1]]
            rtravel = tour_cost(self.T, rev)
            rtw = self.hours.penalty(d, rev, self.T)
            if rtravel + rtw < self.travel[d] + tw:
                self.tours[d], self.travel[d], tw = rev, rtravel, rtw
        self.tw[d] = tw


@dataclass
class Search:
    """Everything the search moves: the day book, the visits and the units."""

    book: DayBook
    slots: list[Slot]
    units: list[Unit]
    ordinals: list[int] = field(default_factory=list)  # day index -> date ordinal
    last_ordinal: dict[str, int] = field(default_factory=dict)  # cid -> last visit ordinal
    pref_cost: float = 0.0  # cost per day a visit leaves its preferred date

    # ------------------------------------------------------------------ gaps
    def _gap(self, s: Slot, a: int, b: int) -> float:
        """Cost of a gap of ``b - a`` days between two consecutive visits of ``s``'s customer."""
        g = b - a
        v = 0
        if s.due.max_gap_days and g > s.due.max_gap_days:
            v += g - s.due.max_gap_days
        if s.due.min_gap_days and g < s.due.min_gap_days:
            v += s.due.min_gap_days - g
        return GAP_COST * v

    def slot_extra(self, s: Slot, d: int | None) -> float:
        """Gap and preferred-date cost of ``s`` on day ``d`` against its placed neighbours."""
        if d is None or not self.ordinals:
            return 0.0
        x = self.ordinals[d]
        c = 0.0
        if s.preferred is not None and self.pref_cost:
            c += self.pref_cost * abs(x - s.preferred)
        if not (s.due.max_gap_days or s.due.min_gap_days):
            return c
        if s.prev is not None:
            p = self.slots[s.prev].day
            if p is not None:
                c += self._gap(s, self.ordinals[p], x)
        elif s.cid in self.last_ordinal:
            c += self._gap(s, self.last_ordinal[s.cid], x)
        if s.next is not None:
            n = self.slots[s.next].day
            if n is not None:
                c += self._gap(s, x, self.ordinals[n])
        return c

    def extra_total(self) -> float:
        if not self.ordinals:
            return 0.0
        total = 0.0
        for s in self.slots:
            if s.day is None or s.dead:
                continue
            if s.preferred is not None and self.pref_cost:
                total += self.pref_cost * abs(self.ordinals[s.day] - s.preferred)
            if not (s.due.max_gap_days or s.due.min_gap_days):
                continue
            if s.prev is not None:
                p = self.slots[s.prev].day
                if p is not None:
                    total += self._gap(s, self.ordinals[p], self.ordinals[s.day])
            elif s.cid in self.last_ordinal:
                total += self._gap(s, self.last_ordinal[s.cid], self.ordinals[s.day])
        return total

    def total(self) -> float:
        """Cost of the calendar: the days' costs plus gap and preferred-date costs."""
        return self.book.total() + self.extra_total()

    # ------------------------------------------------------------------ units
    def unit_cost(self, u: Unit, o: int) -> float:
        if len(u.slots) == 1:
            d = u.options[o][0]
            if d is None:
                return 0.0
            s = self.slots[u.slots[0]]
            if _plain(s):
                return self.book.delta_add(s, d)  # no extra cost (slot_extra would add 0.0)
            return self.book.delta_add(s, d) + self.slot_extra(s, d)
        slots, delta_add, slot_extra = self.slots, self.book.delta_add, self.slot_extra
        total: float = 0  # the same sum, term by term, as sum() of the terms
        for i, d in zip(u.slots, u.options[o], strict=True):
            if d is not None:
                s = slots[i]
                total += delta_add(s, d) + slot_extra(s, d)
        return total

    def place(self, u: Unit, o: int) -> None:
        for i, d in zip(u.slots, u.options[o], strict=True):
            if d is not None:
                self.book.add(self.slots[i], d)
        u.choice = o

    def lift(self, u: Unit) -> set[int]:
        days = set()
        for i in u.slots:
            s = self.slots[i]
            if s.day is not None:
                days.add(s.day)
                self.book.remove(s)
        u.choice = -1
        return days

    def move_gain(self, u: Unit) -> tuple[float, int]:
        """Best other option of a placed unit: ``(cost change, option)``."""
        rem = {
            i: self.book.delta_remove(self.slots[i])
            - self.slot_extra(self.slots[i], self.slots[i].day)
            for i in u.slots
            if self.slots[i].day is not None
        }
        best, best_o = -MIN_GAIN, -1
        for o, ds in enumerate(u.options):
            if o == u.choice:
                continue
            total = 0.0
            for i, d in zip(u.slots, ds, strict=True):
                day = self.slots[i].day
                if d == day:
                    continue
                if d is None or day is None:
                    total = math.inf
                    break
                total += (
                    rem[i]
                    + self.book.delta_add(self.slots[i], d)
                    + self.slot_extra(self.slots[i], d)
                )
            if total < best:
                best, best_o = total, o
        return best, best_o

    def apply_move(self, u: Unit, o: int) -> set[int]:
        touched = set()
        for i, d in zip(u.slots, u.options[o], strict=True):
            s = self.slots[i]
            if s.day != d:
                if s.day is not None:
                    touched.add(s.day)
                    self.book.remove(s)
                if d is not None:
                    self.book.add(s, d)
                    touched.add(d)
        u.choice = o
        return touched

    # ------------------------------------------------------------------ state
    def save(self) -> tuple:
        b = self.book
        return (
            [list(t) for t in b.tours],
            list(b.travel),
            list(b.tw),
            list(b.service),
            list(b.count),
            [s.day for s in self.slots],
            [u.choice for u in self.units],
        )

    def restore(self, state: tuple) -> None:
        b = self.book
        tours, travel, tw, service, count, days, choices = state
        for d in range(b.n):
            if b.tours[d] != tours[d] or b.travel[d] != travel[d]:
                b.version[d] += 1
            b.tours[d] = list(tours[d])
        b.travel, b.tw, b.service, b.count = list(travel), list(tw), list(service), list(count)
        for s, d in zip(self.slots, days, strict=True):
            s.day = d
        for u, c in zip(self.units, choices, strict=True):
            u.choice = c

    # ------------------------------------------------------------------ building
    def _option_costs(self, u: Unit) -> list[float]:
        """Cost of each option of ``u``. Adding one visit to an empty day costs the same
        on every empty day (a round trip from the start point), so for a single-visit
        unit without gap rules or a preferred date that cost is computed once and
        copied to its other empty days."""
        s = self.slots[u.slots[0]]
        if len(u.slots) > 1 or not _plain(s):
            return [self.unit_cost(u, o) for o in range(len(u.options))]
        count, delta_add = self.book.count, self.book.delta_add
        out: list[float] = []
        empty: float | None = None
        for (d,) in u.options:  # unit_cost of a plain single visit: delta_add, or 0 (no day)
            if d is None:
                out.append(0.0)
            elif count[d] == 0:
                if empty is None:
                    empty = delta_add(s, d)
                out.append(empty)
            else:
                out.append(delta_add(s, d))
        return out

    def recreate(self, pending: list[Unit]) -> set[int]:
        """Regret-2 insertion of ``pending`` units; returns the days touched.

        Each unit's option costs and regret key are cached and recomputed only for the
        options on a day that changed (or for every option when a visit of the same
        customer was placed: its gaps changed).
        """
        touched: set[int] = set()
        pending = list(pending)
        costs: list[list[float]] = []
        where: list[dict[int, list[int]]] = []
        for u in pending:
            w: dict[int, list[int]] = {}
            for o, ds in enumerate(u.options):
                for d in {x for x in ds if x is not None}:
                    w.setdefault(d, []).append(o)
            where.append(w)
            costs.append(self._option_costs(u))
        keys = [_regret_key(cs) for cs in costs]
        while pending:
            pick = 0
            for j in range(1, len(keys)):
                if keys[j][0] > keys[pick][0]:
                    pick = j
            u = pending.pop(pick)
            costs.pop(pick)
            where.pop(pick)
            pick_o = keys.pop(pick)[1]
            self.place(u, pick_o)
            changed = {d for d in u.options[pick_o] if d is not None}
            touched |= changed
            for j, v in enumerate(pending):
                if v.cid == u.cid:
                    costs[j] = self._option_costs(v)
                    keys[j] = _regret_key(costs[j])
                    continue
                todo = {o for d in changed for o in where[j].get(d, ())}
                if not todo:
                    continue
                cs = costs[j]
                for o in todo:
                    cs[o] = self.unit_cost(v, o)
                keys[j] = _regret_key(cs)
        return touched

    def local_search(self, rounds: int, rng: np.random.Generator) -> int:
        """First-improvement moves of units to other options until none helps."""
        movable = [u for u in self.units if len(u.options) > 1 and u.choice >= 0]
        moves = 0
        for _ in range(rounds):
            moved, touched = 0, set()
            for k in rng.permutation(len(movable)):
                u = movable[int(k)]
                gain, o = self.move_gain(u)
                if o >= 0:
                    touched |= self.apply_move(u, o)
                    moved += 1
            self.book.polish(sorted(touched))
            moves += moved
            if not moved:
                break
        return moves

    def _worst(self, movable: list[Unit], q: int, rng: np.random.Generator) -> list[Unit]:
        """``q`` units whose visits save the most per visit when removed (randomised)."""
        gains = []
        for k, u in enumerate(movable):
            placed = [self.slots[i] for i in u.slots if self.slots[i].day is not None]
            g = -sum(self.book.delta_remove(s) for s in placed) / max(1, len(placed))
            gains.append((-g, k))
        gains.sort()
        out: list[Unit] = []
        while len(out) < q and gains:
            j = int(len(gains) * rng.random() ** 4)
            out.append(movable[gains.pop(j)[1]])
        return out

    def lns(self, iterations: int, rng: np.random.Generator) -> None:
        """Ruin (nearby customers, or one day) and recreate; simulated-annealing acceptance."""
        movable = [u for u in self.units if len(u.options) > 1 and u.choice >= 0]
        if len(movable) < 3 or iterations <= 0:
            return
        T = self.book.T
        nodes = np.array([u.node for u in movable])
        rel = np.array([[T[a][b] + T[b][a] for b in nodes] for a in nodes], dtype=float)
        order = np.argsort(rel, axis=1, kind="stable")
        cur = self.total()
        best, best_state = cur, self.save()
        temp = TEMP_START * cur + 1.0
        cool = (0.01) ** (1.0 / iterations)
        qmax = max(3, min(20, len(movable) // 6))
        for _ in range(iterations):
            state = self.save()
            r = rng.random()
            if r < OP_RELATED:
                q = int(rng.integers(3, qmax + 1))
                seed = int(rng.integers(len(movable)))
                victims = [movable[int(j)] for j in order[seed, :q]]
            elif r < OP_RELATED + OP_WORST:
                q = int(rng.integers(3, qmax + 1))
                victims = self._worst(movable, q, rng)
            elif r < OP_RELATED + OP_WORST + OP_DAYS:
                seed = int(rng.integers(len(movable)))
                days = {self.slots[i].day for i in movable[seed].slots} - {None}
                q = int(rng.integers(3, qmax + 1))
                victims = [
                    movable[int(j)]
                    for j in order[seed]
                    if any(self.slots[i].day in days for i in movable[int(j)].slots)
                ][:q]
            else:
                d = int(rng.integers(self.book.n))
                victims = [u for u in movable if any(self.slots[i].day == d for i in u.slots)]
            touched = set()
            for u in victims:
                touched |= self.lift(u)
            touched |= self.recreate(victims)
            self.book.polish(sorted(touched))
            new = self.total()
            if new < cur - 1e-9 or rng.random() < math.exp(-(new - cur) / temp):
                cur = new
                if new < best - 1e-9:
                    best, best_state = new, self.save()
            else:
                self.restore(state)
            temp *= cool
        self.restore(best_state)


def _plain(s: Slot) -> bool:
    """A visit without a preferred date or gap rules: :meth:`Search.slot_extra` is 0."""
    return s.preferred is None and not (s.due.max_gap_days or s.due.min_gap_days)


def _regret_key(cs: list[float]) -> tuple[tuple[float, float], int]:
    """``((regret, -best cost), best option)``: units with one option go first."""
    if len(cs) == 1:
        return (1e12, -cs[0]), 0
    # the two smallest values in one sort: ``ranked[0]`` is the first minimum, as min()
    # would give, and ``ranked[1]`` the smallest of the other options
    ranked = sorted(cs)
    b = ranked[0]
    return (ranked[1] - b, -b), cs.index(b)
