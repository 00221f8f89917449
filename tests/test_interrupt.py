"""A Ctrl-C that Python drops (raised inside a garbage-collector callback, as Dask's
GCDiagnosis registers one in the planner's process) still stops the plan before its
folder is swapped in. Real signals, a real gc callback, real folders."""

from __future__ import annotations

import gc
import os
import signal
import sys

import pytest

from planner import interrupt
from planner.files import replace_dir


@pytest.fixture
def sigint_handler():
    old = signal.getsignal(signal.SIGINT)
    interrupt.reset()
    interrupt.install()
    yield
    signal.signal(signal.SIGINT, old)
    interrupt.reset()


def _sigint_inside_a_gc_callback() -> None:
    fired = []

    def callback(phase, info):
        if phase == "start" and not fired:
            fired.append(True)
            os.kill(os.getpid(), signal.SIGINT)  # the handler runs here; Python drops it

    dropped = []  # what Python's default hook would print as "Exception ignored in ..."
    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: dropped.append(u.exc_type)
    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
        sys.unraisablehook = old_hook
    assert fired and dropped == [KeyboardInterrupt]


def test_a_dropped_interrupt_is_raised_again(sigint_handler):
    interrupt.raise_if_interrupted()  # nothing yet
    _sigint_inside_a_gc_callback()  # no KeyboardInterrupt reached this frame
    with pytest.raises(KeyboardInterrupt):
        interrupt.raise_if_interrupted()


def test_the_earlier_plan_stays_after_a_dropped_interrupt(sigint_handler, tmp_path):
    target = tmp_path / "plan"
    target.mkdir()
    (target / "plan.json").write_text("earlier", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), replace_dir(target) as tmp:
        (tmp / "plan.json").write_text("new", encoding="utf-8")
        _sigint_inside_a_gc_callback()
    assert (target / "plan.json").read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]
