"""Run independent, picklable tasks on Dask's distributed scheduler (the only module that
imports dask).

:func:`run_tasks` applies one function to many inputs and yields ``(index, result)`` as
results finish. The pipeline uses it for territories, ``compare`` for scenarios and
``size`` for team sizes. Where the tasks run (:func:`choose_engine`):

- ``ClusterParams.scheduler`` (the CLI's ``--scheduler``) or, unless ``workers == 1``,
  the environment variable ``DASK_SCHEDULER_ADDRESS``: an existing cluster
  (``dask scheduler`` + ``dask worker ADDRESS`` on any machines that have the planner
  installed);
- otherwise an embedded local cluster of ``workers`` worker processes (0 = one per core;
  one thread each: OR-Tools and pandas hold the GIL) on the loopback interface, started
  for the run and closed after it;
- in this process, one task after the other, when parallelism cannot help: one task, one
  worker, or already inside a Dask worker (no cluster inside a cluster).

Guarantees, whatever the engine:

- a task carries its inputs (they are pickled into the task: no shared file system);
- at most ``in_flight`` tasks are submitted at once and each result is handed over and
  released as soon as it finishes, so the client holds a bounded number of inputs and
  results (inputs may come from a generator that builds them lazily);
- a task whose worker dies is re-run by the scheduler on another worker (up to Dask's
  ``distributed.scheduler.allowed-failures``, 3 by default); a task that raises is
  retried ``retries`` times, then its exception is raised here, unchanged;
- ``KeyboardInterrupt`` (Ctrl-C) or any other exit from the loop cancels the tasks not
  yet finished and stops the embedded cluster's workers (they block SIGINT, so a
  terminal's Ctrl-C reaches only the client, which shuts them down in order instead of
  each dying mid-task with a traceback);
- results are identical to a sequential run: callers place each result by its index.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import uuid
import warnings
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Any

from planner.errors import EXIT_INPUT, PlannerError
from planner.interrupt import raise_if_interrupted

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


@dataclass(frozen=True)
class ClusterParams:
    """Where and how :func:`run_tasks` runs its tasks.

    Parameters
    ----------
    scheduler : str or None
        Address of a running Dask scheduler (``tcp://host:8786``). ``None``: the
        environment's ``DASK_SCHEDULER_ADDRESS`` if set (and ``workers != 1``), else an
        embedded local cluster.
    workers : int
        Worker processes of the embedded local cluster (0 = one per core; 1 = run in this
        process). Ignored by an existing cluster.
    retries : int
        Extra attempts of a task that raised an exception.
    in_flight : int
        Tasks submitted at once (0 = twice the cluster's threads, at least 4).
    start_timeout_s : float
        Seconds to wait for the scheduler or the local cluster's workers before giving up
        with :class:`ClusterError`.
    """

    scheduler: str | None = None
    workers: int = 0
    retries: int = 1
    in_flight: int = 0
    start_timeout_s: float = 60.0


class ClusterError(PlannerError):
    """The scheduler cannot be reached or the local cluster did not start (exit 2: the
    address given is wrong, or the machine cannot start worker processes)."""

    exit_code = EXIT_INPUT


def inside_worker() -> bool:
    """True when called from a task running on a Dask worker."""
    if "distributed" not in sys.modules:  # no Dask imported: not a worker
        return False
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


def choose_engine(params: ClusterParams, n_tasks: int | None) -> tuple[str, str | int]:
    """``("scheduler", address)``, ``("local", n_workers)`` or ``("inline", 1)``.

    ``n_tasks`` is the number of tasks when known (``None`` for a generator).
    """
    if params.scheduler:
        return "scheduler", params.scheduler
    if params.workers == 1 or inside_worker():
        return "inline", 1
    env = os.environ.get(SCHEDULER_ENV, "").strip()
    if env:
        return "scheduler", env
    n = params.workers if params.workers > 0 else (os.cpu_count() or 1)
    if n_tasks is not None:
        n = min(n, n_tasks)
    if n <= 1:
        return "inline", 1
    return "local", n


@contextlib.contextmanager
def _sigint_blocked():
    """Block SIGINT in this thread while the local cluster starts.

    Threads and processes started meanwhile (the cluster's event loop, and through it
    every worker process, restarts included) inherit the blocked signal, so a terminal's
    Ctrl-C reaches only this process, which then closes the cluster in order. A Ctrl-C
    pressed during the start-up stays pending and is raised here right after it.
    """
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _start_method() -> str:
    """How the local cluster starts worker processes: ``forkserver`` on Linux, else
    ``spawn`` (macOS and Windows).

    Not ``fork``: the cluster starts its workers from its event-loop thread while other
    threads run, and a child forked from a threaded process can inherit a lock some
    other thread held (a fresh clone's test run once hung 240 s in ``LocalCluster``
    start-up that way). The fork server is a clean single-threaded process that has
    imported the planner once (:func:`_preload_forkserver`), so workers still start in
    about a second after the first cluster of a process."""
    if sys.platform.startswith("linux") and "forkserver" in multiprocessing.get_all_start_methods():
        return "forkserver"
    return "spawn"


def _preload_forkserver() -> None:
    """Have the fork server import Dask and the per-territory work before it forks any
    worker, and ignore SIGINT in the workers it forks (:mod:`planner._worker_init`; no
    effect once this process's fork server runs, or with ``spawn``)."""
    from distributed.utils import get_mp_context

    ctx = get_mp_context()  # sets Dask's own preload list, once per process
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(
            ["planner._worker_init", "distributed", "planner.territory_plan"]
        )


class _Session:
    """A connection to the cluster :func:`choose_engine` picked (and the local cluster it
    owns, if any)."""

    def __init__(self, kind: str, target: str | int, params: ClusterParams) -> None:
        self.kind, self.target, self.params = kind, target, params
        self.client: Any = None  # distributed.Client once connected
        self.cluster: Any = None  # the LocalCluster this session started, if any

    def __enter__(self):
        import dask
        from distributed import Client, LocalCluster

        timeout = f"{self.params.start_timeout_s}s"
        try:
            if self.kind == "local":
                config = {
                    "distributed.worker.multiprocessing-method": _start_method(),
                    # workers may start processes (road-network Dijkstra blocks)
                    "distributed.worker.daemon": False,
                    "distributed.comm.timeouts.connect": timeout,
                }
                with dask.config.set(config), _sigint_blocked():
                    _preload_forkserver()
                    self.cluster = LocalCluster(
                        n_workers=int(self.target),
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        worker_dashboard_address=None,
                        # the scheduler's HTTP server (metrics) on a free loopback port:
                        # another run on 8787 must not make Dask print a warning
                        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                        silence_logs=logging.CRITICAL,
                    )
                self.client = Client(self.cluster, timeout=timeout, set_as_default=False)
            else:
                self.client = Client(str(self.target), timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as e:
            self.__exit__()
            where = (
                f"the Dask scheduler at {self.target}"
                if self.kind == "scheduler"
                else f"a local cluster of {self.target} worker processes"
            )
            raise ClusterError(f"could not connect to {where}: {e}") from e
        return self.client

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close(timeout=10)
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close(timeout=10)


def _window(client, params: ClusterParams) -> int:
    if params.in_flight > 0:
        return params.in_flight
    try:
        threads = sum(client.nthreads().values())
    except Exception:  # an old or busy scheduler: fall back to the minimum
        threads = 0
    return max(4, 2 * threads)


def _stream(client, fn: Callable, items: Iterable, params: ClusterParams):
    from concurrent.futures import CancelledError

    from distributed import KilledWorker, as_completed

    tag = f"{getattr(fn, '__name__', 'task')}-{uuid.uuid4().hex[:12]}"
    source = iter(enumerate(items))
    live: dict[str, tuple[int, Any]] = {}  # key -> (index, future) of unfinished tasks
    pending = as_completed(loop=client.loop)

    def submit_next() -> bool:
        nxt = next(source, None)
        if nxt is None:
            return False
        i, item = nxt
        with warnings.catch_warnings():  # a task carries its inputs by design (matrices)
            warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
            fut = client.submit(fn, item, key=f"{tag}-{i}", pure=False, retries=params.retries)
        live[fut.key] = (i, fut)
        pending.add(fut)
        return True

    window = _window(client, params)
    while len(live) < window and submit_next():
        pass
    try:
        for fut in pending:
            try:
                result = fut.result()
            except KilledWorker as e:
                raise ClusterError(
                    f"the workers running a task died each time it was tried ({e}): out "
                    "of memory? Give the workers more memory or fewer threads each"
                ) from e
            except CancelledError as e:
                raise ClusterError(
                    f"the cluster dropped a task ({e}): did the scheduler stop?"
                ) from e
            raise_if_interrupted()  # a Ctrl-C Python dropped (planner.interrupt) still counts
            i, _ = live.pop(fut.key)
            fut.release()
            submit_next()
            yield i, result
    finally:
        if live:  # interrupted or a task failed: stop the rest
            with contextlib.suppress(Exception):
                client.cancel([f for _, f in live.values()], force=True)


def run_tasks(
    fn: Callable[[Any], Any],
    items: Iterable,
    params: ClusterParams = ClusterParams(),
    n_tasks: int | None = None,
) -> Generator[tuple[int, Any], None, None]:
    """Apply ``fn`` to every item; yield ``(index, result)`` in the order tasks finish.

    Parameters
    ----------
    fn : callable
        A module-level function of one picklable argument (workers import it by name, so
        they need the planner installed, nothing else).
    items : iterable
        Task inputs; a generator is consumed lazily (at most ``in_flight`` ahead).
    params : ClusterParams
        Where to run (see the module docstring).
    n_tasks : int, optional
        Number of items, when ``items`` has no ``len``: sizes the local cluster.

    Yields
    ------
    (int, object)
        The item's position in ``items`` and ``fn(item)``.

    Raises
    ------
    Exception
        The first task exception, as raised by ``fn`` (after ``retries``).
    ClusterError
        The scheduler cannot be reached or the local cluster does not start.
    """
    if n_tasks is None and hasattr(items, "__len__"):
        n_tasks = len(items)  # type: ignore[arg-type]
    kind, target = choose_engine(params, n_tasks)
    if kind == "inline":
        for i, item in enumerate(items):
            yield i, fn(item)
        return
    with _Session(kind, target, params) as client:
        yield from _stream(client, fn, items, params)
