"""Errors the planner raises, and the exit codes the CLI maps them to.

Work that cannot be done (a visit that does not fit, a point far from any road) is
data, not an exception. Exceptions are for bad input (:class:`InputError`, exit 2),
unusable network data (:class:`NetworkError`, exit 3) and bugs (exit 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXIT_INPUT = 2
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b`` escapes: a cell holding
    ``ESC[2J`` must not clear the terminal of whoever reads the message."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


EXIT_NETWORK = 3


@dataclass(frozen=True)
class Problem:
    """One defect in an input file.

    Parameters
    ----------
    file : str
        The file (or scenario) the defect is in.
    message : str
        What is wrong and what was expected.
    row : int or None
        1-based line number in the file as a spreadsheet shows it (the header is
        line 1, so the first data row is line 2); ``None`` for whole-file problems.
    column : str or None
        The column (or scenario key) concerned.
    fix : str or None
        How to fix it, when that is not obvious from the message.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        text = f"{where}: {self.message}"
        if self.fix:
            text += f" (fix: {self.fix})"
        return printable(text)


class PlannerError(Exception):
    """Base class of the planner's own errors."""

    exit_code = 1


class InputError(PlannerError):
    """Bad input: one or more :class:`Problem` found, all reported at once (exit 2)."""

    exit_code = EXIT_INPUT

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(file="input", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class NetworkError(PlannerError):
    """The road network cannot be used: missing, corrupt, or without usable roads (exit 3)."""

    exit_code = EXIT_NETWORK
