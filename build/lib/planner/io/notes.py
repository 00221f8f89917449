"""Problems and warnings found while reading one input file.

Readers never stop at the first defect: every problem of every row and column is noted
here, then :meth:`Notes.problems_sorted` hands them over sorted by row, with repeats of
the same kind summarised after :data:`MAX_PER_KIND` rows so a file with 10,000 bad rows
still gives a readable message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.errors import Problem

MAX_PER_KIND = 50
"""Rows listed one by one for each kind of problem before the rest are summarised."""
MAX_WARNINGS_PER_KIND = 10
"""Warnings listed one by one for each kind before the rest are summarised."""


@dataclass
class Notes:
    """Everything wrong (``problems``) or worth knowing (``warnings``) about one file.

    Parameters
    ----------
    file : str
        The file as the user named it; every :class:`~planner.errors.Problem` names it.
    """

    file: str
    _problems: list[tuple[str, Problem]] = field(default_factory=list)
    _warnings: list[tuple[str, Problem]] = field(default_factory=list)
    _kinds: dict[str, int] = field(default_factory=dict)

    def error(
        self,
        kind: str,
        message: str,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        """Note a problem that makes the input unusable (reported as ``InputError``)."""
        self._problems.append((kind, Problem(self.file, message, row, column, fix)))
        self._kinds[kind] = self._kinds.get(kind, 0) + 1

    def warn(
        self,
        kind: str,
        message: str,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        """Note something the planner can live with but the user should know."""
        self._warnings.append((kind, Problem(self.file, message, row, column, fix)))

    def __bool__(self) -> bool:
        return bool(self._problems)

    def count_kind(self, kind: str) -> int:
        """Problems of ``kind`` noted so far (hints are only worked out for the listed ones)."""
        return self._kinds.get(kind, 0)

    @property
    def count(self) -> int:
        """Problems noted so far."""
        return len(self._problems)

    def problems_sorted(self) -> list[Problem]:
        """Problems sorted by row (whole-file problems first), capped per kind."""
        return _capped(self._problems, MAX_PER_KIND, "problem")

    def warnings_text(self) -> list[str]:
        """Warnings as one line each (``file, row N, column 'x': message``), capped per kind."""
        return [str(p) for p in _capped(self._warnings, MAX_WARNINGS_PER_KIND, "warning")]


def _capped(items: list[tuple[str, Problem]], cap: int, what: str) -> list[Problem]:
    ordered = sorted(items, key=lambda kp: (kp[1].row is not None, kp[1].row or 0))
    seen: dict[tuple[str, str | None], list[Problem]] = {}
    out: list[Problem] = []
    for kind, p in ordered:
        group = seen.setdefault((kind, p.column), [])
        group.append(p)
        if len(group) <= cap:
            out.append(p)
    for (kind, column), group in seen.items():
        rest = group[cap:]
        if not rest:
            continue
        rows = [str(p.row) for p in rest if p.row is not None]
        shown = ", ".join(rows[:20]) + (", ..." if len(rows) > 20 else "")
        out.append(
            Problem(
                group[0].file,
                f"and {len(rest)} more rows with the same {what} ({kind})"
                + (f": rows {shown}" if rows else ""),
                None,
                column,
                rest[0].fix if all(p.fix == rest[0].fix for p in rest) else None,
            )
        )
    return out
