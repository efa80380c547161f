"""Opening a user's input files (scenarios, sweeps, edge lists) safely.

Only regular files are read. A path naming a directory, a device (``/dev/zero`` never
ends), a named pipe (opening one for reading blocks until a writer comes) or a socket is
refused from its ``stat`` alone, before anything is opened; the file is then opened
without blocking and checked again (it may have been replaced in between).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_BINARY", 0))


class NotARegularFile(OSError):
    """The path names something other than a regular file; ``kind`` says what
    ("a directory", "a character device", ...)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind}, not a regular file")
        self.kind = kind


def file_kind(mode: int) -> str:
    """What a ``st_mode`` names, for messages: "a regular file", "a directory", ..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((kind for test, kind in _KINDS if test(mode)), "a special file")


def open_regular(path: str | Path) -> tuple[BinaryIO, int]:
    """Open a regular file for reading in binary mode; return the handle and its size.

    Raises FileNotFoundError, :class:`NotARegularFile` (checked on ``stat`` before opening,
    and again on the opened file) or another OSError."""
    mode = os.stat(path).st_mode  # follows symlinks; opens nothing
    if not stat.S_ISREG(mode):
        raise NotARegularFile(file_kind(mode))
    fd = os.open(path, _OPEN_FLAGS)  # O_NONBLOCK: a pipe swapped in since the stat never blocks
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(file_kind(info.st_mode))
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return handle, info.st_size
