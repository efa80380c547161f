"""Output folders: checked before any work, locked while written, rescued if writing fails.

* :func:`check_output` refuses, before anything runs, an ``--out`` that cannot become a
  results folder: a dangling symbolic link, a file, a path through a file, a parent
  that is not writable (or on a read-only file system), a name too long for the file
  system, a non-empty folder without ``--force``. Nothing is written by a refusal.
* :func:`locked_output` creates the folder and holds an exclusive lock on it while it
  is written (``.opinion-ecology.lock``, an ``flock``: the operating system releases it
  if the process dies), so a second process writing to the same folder is refused.
* :func:`rescue_folder` is where results go when writing them to ``--out`` fails after
  a run (a full disk, a folder removed meanwhile): a new folder in the temporary
  directory, whose path the command prints.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.config import ScenarioError

LOCK_FILE = ".opinion-ecology.lock"
LONGEST_ENTRY = 40  # bytes: the longest name written inside (temporary names included)


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _path_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_PATH_MAX")
    except (OSError, ValueError):
        return 4096


def check_output(out: Path, force: bool = False, flag: str = "--out",
                 resume: bool = False) -> Path:
    """``out`` if it can become (or already is) a results folder; else ScenarioError with
    one message (nothing is written). ``resume`` accepts a non-empty folder (its content
    is checked by the caller)."""
    absolute = Path(os.path.abspath(out))
    longest = _name_max(Path(absolute.anchor))
    for part in absolute.parts:
        if len(os.fsencode(part)) > longest:
            raise ScenarioError(f"{flag} {out}: the name {part[:40]!r}... is longer than the "
                                f"file system allows ({longest} bytes)")
    if len(os.fsencode(str(absolute))) + LONGEST_ENTRY > _path_max(Path(absolute.anchor)):
        raise ScenarioError(f"{flag} {out}: the path is longer than the file system allows")
    if out.is_symlink() and not out.exists():
        raise ScenarioError(f"{flag} {out}: a symbolic link to {os.readlink(out)}, which does "
                            f"not exist; give a folder")
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"{flag} {out}: exists and is not a folder")
    existing = absolute
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ScenarioError(f"{flag} {out}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only(existing) else "no permission to write"
        raise ScenarioError(f"{flag} {out}: cannot write in {existing} ({why})")
    if out.is_dir() and any(out.iterdir()) and not (force or resume):
        raise ScenarioError(f"{flag} {out}: folder is not empty; choose another or add --force")
    return out


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


@contextmanager
def locked_output(out: Path, flag: str = "--out") -> Iterator[Path]:
    """Create ``out`` (and its parents) and hold its lock while the block runs; refuse
    (ScenarioError) if another process holds it. The lock file is removed afterwards."""
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_FILE
    handle = open(path, "a+", encoding="ascii")  # noqa: SIM115 - closed below
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise ScenarioError(f"{flag} {out}: another process is writing to this folder; "
                                f"wait for it or choose another") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield out
        finally:
            path.unlink(missing_ok=True)
    finally:
        handle.close()


def rescue_folder(name: str) -> Path:
    """A new folder in the temporary directory for results that could not be written where
    asked."""
    return Path(tempfile.mkdtemp(prefix=f"opinion-ecology-rescue-{name}-"))
