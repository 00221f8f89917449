"""Atomic output: a reader never sees a half-written file, nor a half-written folder.

- :func:`atomic_path` / :func:`write_text` / :func:`write_bytes`: one file, written beside
  its target and renamed over it.
- :func:`replace_dir`: a whole folder (a plan folder, a maps folder) written into a sibling
  temporary folder and swapped in at the end, so an interrupted run (Ctrl-C, ``kill``,
  a crash, a full disk) leaves the earlier folder exactly as it was.
- :func:`check_out_dir`: the checks :func:`replace_dir` makes, callable before a long
  run so a bad ``--out`` is reported before planning, not after.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from planner.errors import InputError, Problem
from planner.interrupt import raise_if_interrupted

TMP_TAG = ".planner-"
"""Temporary siblings are named ``.<name>.planner-<pid>-<random>`` (``.old`` appended for
the earlier folder while it is being set aside when the kernel cannot swap folders)."""
_STALE = re.compile(r"^\.(?P<name>.+)\.planner-(?P<pid>\d+)-[^.]+(?P<old>\.old)?$")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp creates 0600; give the file the permissions open() would (0666 - umask)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


# ----------------------------------------------------------------------- whole folders
def is_plan_dir(path: Path) -> bool:
    """A folder ``planner plan`` wrote (it holds ``plan.json``)."""
    return (path / "plan.json").is_file()


def check_out_dir(
    out: str | Path,
    protect: Iterable[str | Path] = (),
    replaceable: Callable[[Path], bool] = is_plan_dir,
    what: str = "plan folder",
    option: str = "--out",
) -> None:
    """Raise :class:`~planner.errors.InputError` (exit 2) when ``out`` cannot be written.

    Parameters
    ----------
    out : path
        The folder that :func:`replace_dir` will replace as a whole.
    protect : paths
        Files that must never be overwritten or deleted (the run's inputs): ``out`` may not
        hold any of them.
    replaceable : callable
        An existing, non-empty ``out`` is only replaced when this says it is an earlier
        output (default: it holds ``plan.json``); any other folder is refused, since
        replacing it would delete files the planner did not write.
    what, option : str
        How messages name the folder and the option that gave it.

    Notes
    -----
    Checked: ``out`` is not a file or device, no part of its path is a file, it holds no
    protected file, it is empty or an earlier output, and a folder can be created beside
    it (a real probe, not a permission-bit guess: root ignores permission bits, a
    read-only file system does not).
    """
    out = Path(out)
    where = str(out)
    fix = f"give {option} a new or empty folder, e.g. {option} plans/my-plan"

    def fail(message: str, fix: str = fix) -> None:
        raise InputError(Problem(where, message, column=option, fix=fix))

    if out.exists() and not out.is_dir():
        fail(f"{option} must name a folder, but this is a file (or a device)")
    anc = out
    while not anc.exists():
        if anc.is_symlink():
            fail(f"{option} runs through a broken link '{anc}'")
        anc = anc.parent
    if not anc.is_dir():
        fail(f"{option} lies under '{anc}', which is a file, not a folder")
    resolved = out.resolve()
    for p in protect:
        q = Path(p).resolve()
        if q == resolved or resolved in q.parents:
            fail(
                f"the {what} would replace the input '{p}' (writing here deletes what the "
                "folder holds)",
                fix="write the output to its own folder, e.g. " + f"{option} plans/my-plan",
            )
    if out.is_dir() and any(out.iterdir()) and not replaceable(out):
        shown = ", ".join(sorted(p.name for p in out.iterdir())[:5])
        fail(
            f"the folder exists and is not an earlier {what} (it holds {shown}); the {what} "
            "replaces the whole folder, so these files would be deleted"
        )
    _probe_writable(out if out.is_dir() else anc, fail)
    if out.parent.is_dir():
        clean_stale(out.parent, out.name)


def _probe_writable(folder: Path, fail: Callable[[str], None]) -> None:
    """Create and remove a folder inside ``folder`` (and beside it when it exists)."""
    places = [folder]
    if folder.exists() and folder.parent != folder:
        places.append(folder.parent)  # the swap renames inside the parent
    for place in places:
        try:
            probe = tempfile.mkdtemp(prefix=f".{folder.name or 'out'}{TMP_TAG}probe-", dir=place)
            os.rmdir(probe)
        except OSError as err:
            fail(f"cannot write in '{place}' ({err.strerror or err})")


@contextlib.contextmanager
def replace_dir(
    target: str | Path,
    protect: Iterable[str | Path] = (),
    replaceable: Callable[[Path], bool] = is_plan_dir,
    what: str = "plan folder",
) -> Iterator[Path]:
    """Yield an empty sibling folder of ``target``; on success it replaces ``target`` whole.

    Everything written into the yielded folder appears in ``target`` at once: the earlier
    folder is swapped out in one step (``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere
    two renames, with the earlier folder restored by the next run if the process dies
    between them) and then deleted. On any exception (including Ctrl-C and SIGTERM, which
    the CLI turns into ``SystemExit``) the temporary folder is removed and ``target`` is
    untouched. ``SIGINT``/``SIGTERM``/``SIGHUP`` are held back during the swap and the
    clean-up. Temporary folders left by a killed process (``SIGKILL``, power loss) are
    removed by the next run.

    Parameters
    ----------
    target : path
        The folder to replace (created with its parents if missing).
    protect, replaceable, what
        As :func:`check_out_dir`, which is called first.

    Raises
    ------
    InputError
        ``target`` cannot be written or is not an earlier output (exit 2).
    """
    target = Path(target)
    check_out_dir(target, protect, replaceable, what)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    clean_stale(parent, target.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{TMP_TAG}{os.getpid()}-", dir=parent))
    try:
        yield tmp
        raise_if_interrupted()  # a Ctrl-C Python dropped (planner.interrupt) still counts
        with _signals_held():
            os.chmod(tmp, 0o777 & ~_umask())
            _swap_in(tmp, target)
    except BaseException:
        with _signals_held():
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(tmp: Path, target: Path) -> None:
    """Put ``tmp`` at ``target``; delete the folder that was there."""
    if not target.exists():
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the earlier folder
        return
    old = tmp.with_name(tmp.name + ".old")
    os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); ``False`` when not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def clean_stale(parent: Path, name: str) -> None:
    """Remove temporary siblings of ``parent/name`` left by processes that no longer run;
    put an earlier folder set aside by a dead process back when ``name`` is missing."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    target = parent / name
    for p in sorted(entries, key=lambda q: q.name):
        m = _STALE.match(p.name)
        if not m or m["name"] != name or _alive(int(m["pid"])):
            continue
        if m["old"] and not target.exists():
            with contextlib.suppress(OSError):
                os.rename(p, target)
                continue
        shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a folder of this process left from an earlier, failed call
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP back for the few calls that must finish together."""
    sigs = {signal.SIGINT, signal.SIGTERM}
    if hasattr(signal, "SIGHUP"):
        sigs.add(signal.SIGHUP)
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
