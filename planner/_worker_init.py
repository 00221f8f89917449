"""Imported by the local cluster's fork server before it forks any worker (see
``planner.cluster._preload_forkserver``): the workers it forks ignore SIGINT, so a
terminal's Ctrl-C, sent to the whole process group, reaches only the planner's own
process, which then closes the cluster in order. Never imported anywhere else."""

from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
