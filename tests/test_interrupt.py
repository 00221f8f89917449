"""A Ctrl-C that Python drops (raised inside a garbage-collector callback, as Dask's
GCDiagnosis registers one in the planner's process) still stops the plan before its
folder is swapped in, without a traceback on the terminal. Real signals, a real gc
callback, real folders."""

from __future__ import annotations

import gc
import os
import signal
import sys

import pytest

from planner import interrupt
from planner.files import replace_dir


@pytest.fixture
def printed(monkeypatch):
    """Install the handler over a recording hook; yields what would be printed."""
    seen: list[type] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_type))
    old = signal.getsignal(signal.SIGINT)
    interrupt.reset()
    interrupt.install()  # wraps the recording hook (monkeypatch restores the original)
    yield seen
    signal.signal(signal.SIGINT, old)
    interrupt.reset()


def _sigint_inside_a_gc_callback() -> None:
    fired = []

    def callback(phase, info):
        if phase == "start" and not fired:
            fired.append(True)
            os.kill(os.getpid(), signal.SIGINT)  # the handler raises here; Python drops it

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    assert fired


def test_a_dropped_interrupt_is_raised_again_and_not_printed(printed):
    interrupt.raise_if_interrupted()  # nothing yet
    _sigint_inside_a_gc_callback()  # no KeyboardInterrupt reached this frame
    with pytest.raises(KeyboardInterrupt):
        interrupt.raise_if_interrupted()
    assert printed == []  # no "Exception ignored ... Traceback" on the terminal
    # other dropped exceptions still reach the hook
    sys.unraisablehook(type("U", (), {"exc_type": ValueError})())
    assert printed == [ValueError]


def test_the_earlier_plan_stays_after_a_dropped_interrupt(printed, tmp_path):
    target = tmp_path / "plan"
    target.mkdir()
    (target / "plan.json").write_text("earlier", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), replace_dir(target) as tmp:
        (tmp / "plan.json").write_text("new", encoding="utf-8")
        _sigint_inside_a_gc_callback()
    assert (target / "plan.json").read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]
