"""The travel matrix every stage works with."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class TravelMatrix:
    """Travel times and distances among named points.

    Parameters
    ----------
    ids : tuple of str
        Point ids (customer ids, and ``home:<rep_id>`` / ``start:<rep_id>`` for reps).
    travel_s : numpy.ndarray
        ``(n, n)`` int32 travel times in whole seconds, row = from, column = to.
    dist_m : numpy.ndarray
        ``(n, n)`` int32 distances in whole metres.
    source : str
        Where the numbers come from (``haversine`` or ``road:<network>``).

    Notes
    -----
    Picklable and small: this is what per-territory work receives, so that it stays a
    pure function of its inputs.
    """

    ids: tuple[str, ...]
    travel_s: np.ndarray
    dist_m: np.ndarray
    source: str = "haversine"
    _index: dict[str, int] = field(default=None, repr=False, compare=False)  # type: ignore

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.travel_s.shape != (n, n) or self.dist_m.shape != (n, n):
            raise ValueError(f"matrix shape {self.travel_s.shape} does not match {n} ids")
        object.__setattr__(self, "_index", {pid: i for i, pid in enumerate(self.ids)})
        if len(self._index) != n:
            raise ValueError("TravelMatrix ids must be unique")

    def index(self, pid: str) -> int:
        return self._index[pid]

    def indices(self, pids) -> np.ndarray:
        return np.fromiter((self._index[p] for p in pids), dtype=np.int64)

    def time_s(self, a: str, b: str) -> int:
        return int(self.travel_s[self._index[a], self._index[b]])

    def distance_m(self, a: str, b: str) -> int:
        return int(self.dist_m[self._index[a], self._index[b]])

    def sub(self, pids) -> TravelMatrix:
        """The matrix restricted to ``pids`` (in that order)."""
        pids = tuple(pids)
        idx = self.indices(pids)
        return TravelMatrix(
            pids,
            self.travel_s[np.ix_(idx, idx)].copy(),
            self.dist_m[np.ix_(idx, idx)].copy(),
            self.source,
        )

    def __contains__(self, pid: str) -> bool:
        return pid in self._index

    def __len__(self) -> int:
        return len(self.ids)


def home_id(rep_id: str) -> str:
    """Matrix id of a rep's home (where each day ends)."""
    return f"home:{rep_id}"


def start_id(rep_id: str) -> str:
    """Matrix id of a rep's day start (the office when set, otherwise the home)."""
    return f"start:{rep_id}"
