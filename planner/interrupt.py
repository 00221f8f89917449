"""Ctrl-C that cannot be lost.

Python raises ``KeyboardInterrupt`` in whatever Python code runs when SIGINT arrives.
Where that code is a garbage-collector callback, a ``__del__`` or a weakref finaliser,
the exception is printed as "Exception ignored in ..." and dropped: Dask's scheduler
registers such a callback (``distributed.gc.GCDiagnosis``) in the planner's own process,
and a plan interrupted at that moment once finished and replaced the earlier plan (exit
0, in CI). :func:`install` makes SIGINT also set a flag; :func:`raise_if_interrupted`,
called by the task loop (:mod:`planner.cluster`) and before a plan folder is swapped in
(:func:`planner.files.replace_dir`), raises it again.
"""

from __future__ import annotations

import signal
import sys
import threading

_hit = False


def on_sigint(signum: int, frame: object) -> None:
    """SIGINT handler: remember the interrupt, then raise it as Python does."""
    global _hit
    _hit = True
    raise KeyboardInterrupt


def install() -> None:
    """Use :func:`on_sigint` for SIGINT (main thread only; a no-op elsewhere), and keep
    the dropped interrupt's "Exception ignored ... Traceback" off the terminal: it is
    raised again where it counts, and the CLI says "interrupted"."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, on_sigint)
        previous = sys.unraisablehook

        def hook(unraisable) -> None:
            if _hit and unraisable.exc_type is KeyboardInterrupt:
                return
            previous(unraisable)

        sys.unraisablehook = hook


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if SIGINT arrived since :func:`install` (even when the
    first one was dropped)."""
    if _hit:
        raise KeyboardInterrupt


def reset() -> None:
    """Forget an interrupt (tests)."""
    global _hit
    _hit = False
