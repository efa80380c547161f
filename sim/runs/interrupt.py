"""One interruption path: SIGINT, SIGTERM and SIGHUP set a flag; work stops between steps.

While :func:`stop_on_signals` is active, these signals raise nothing (so no exception
ever surfaces inside compiled code): the first one sets :attr:`StopFlag.signum`, and
the step loop (:func:`sim.runs.driver.run_scenario`) and the executors
(:mod:`sim.runs.executors`) check the flag between steps and between runs. What has
completed is then saved as usual, with status ``interrupted``; a second signal while
saving only counts (:attr:`StopFlag.count`). The exit code is 128 + the first signal's
number: 130 (SIGINT, Ctrl-C), 143 (SIGTERM: SLURM, ``timeout``, ``docker stop``), 129
(SIGHUP: a closed terminal).

Handlers can only be installed from the main thread; elsewhere (e.g. a dashboard's
worker thread) the flag exists but no signal sets it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(Exception):
    """Work stopped by a signal (``signum``) after saving what had completed."""

    def __init__(self, signum: int, message: str) -> None:
        super().__init__(message)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@dataclass
class StopFlag:
    """Set by the first of SIGNALS while :func:`stop_on_signals` is active."""

    signum: int | None = None
    count: int = 0

    def is_set(self) -> bool:
        return self.signum is not None

    def set(self, signum: int) -> None:
        self.count += 1
        if self.signum is None:
            self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal's number (130 for SIGINT), or 0 if none arrived."""
        return 128 + self.signum if self.signum is not None else 0

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""


@contextmanager
def stop_on_signals() -> Iterator[StopFlag]:
    """Within the block, SIGINT, SIGTERM and SIGHUP set the yielded flag instead of raising
    or killing the process; the previous handlers come back after it."""
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in SIGNALS:
        signal.signal(sig, lambda signum, _frame: flag.set(signum))
    try:
        yield flag
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def ignore_interrupts_in_worker(parent: int) -> None:
    """For pool workers (``parent``: the pid of the process that starts them): leave
    SIGINT and SIGHUP to the parent (a Ctrl-C reaches the whole process group; the parent
    decides and stops its workers), and exit when the parent dies (a watchdog thread), so
    that no worker outlives its sweep. The parent's pid is passed in, not read here: a
    worker still starting when its parent dies would read the pid of its new parent."""
    import os

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # the parent is gone: nobody will read our results

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
