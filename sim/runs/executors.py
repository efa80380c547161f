"""Executors: run independent jobs serially, on local processes or on a Dask cluster.

One module for every batch of runs (``compare``, ``sweep``, ``sensitivity``).
:func:`run_jobs` yields ``(index, result)`` as jobs finish; a job whose worker process
died (killed, out of memory) is retried once and then yields a :class:`Crashed`
instead of a result. Results never depend on the executor or the number of workers:
each job is a function of its own inputs (a run of its scenario and seed).

* serial: ``workers`` <= 1 (or a single job), in order;
* local processes: ``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` start
  method (forking a process that holds threads is deprecated in Python 3.12); a broken
  pool is restarted up to ``MAX_RESTARTS`` times; workers ignore Ctrl-C (the parent
  decides) and exit if the parent dies (:func:`sim.runs.interrupt.ignore_interrupts_in_worker`);
  each worker runs the parallel kernels on its share of the cores (``NUMBA_NUM_THREADS``
  = cores // workers, at least 1: :func:`_start_worker`), so that workers do not
  oversubscribe the cores (results do not depend on the thread count);
* Dask: ``scheduler`` = ``local`` (a LocalCluster of ``workers`` processes), a
  ``tcp://host:port`` address or a scheduler file.

``stop`` (a callable, e.g. :meth:`sim.runs.interrupt.StopFlag.is_set`) is checked
between jobs and, while waiting, every half second: once it is true no job starts, the
local workers are terminated, and :func:`run_jobs` returns. In the serial executor a
``func`` that takes a keyword ``stop`` receives it, so that it can end a job early.
"""

from __future__ import annotations

import inspect
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config import ScenarioError
from sim.runs.interrupt import ignore_interrupts_in_worker

POLL_SECONDS = 0.5  # how often a waiting executor checks ``stop``


def usable_workers(requested: int, jobs: int) -> int:
    """Worker processes worth starting: at most one per job and one per core."""
    return max(1, min(requested, jobs, os.cpu_count() or 1))

MAX_RESTARTS = 3


def worker_threads(workers: int) -> int:
    """Threads of the parallel kernels in each of ``workers`` local processes: the cores
    shared out (at least 1), never more than ``NUMBA_NUM_THREADS`` if it is set."""
    share = max(1, (os.cpu_count() or 1) // max(1, workers))
    chosen = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    return min(share, int(chosen)) if chosen.isdigit() and int(chosen) > 0 else share


def _start_worker(parent: int, threads: int) -> None:
    """A local worker's initializer: its share of the cores for the parallel kernels
    (read by Numba when it is first imported, after this), then Ctrl-C and parent
    watch as :func:`sim.runs.interrupt.ignore_interrupts_in_worker`."""
    os.environ["NUMBA_NUM_THREADS"] = str(threads)
    ignore_interrupts_in_worker(parent)


@dataclass(frozen=True)
class Crashed:
    """A job whose worker died (twice), or that Dask lost: no result."""

    error: str


def run_jobs(func: Callable[..., Any], jobs: Sequence[Any], workers: int = 1,
             scheduler: str | None = None,
             stop: Callable[[], bool] | None = None) -> Iterator[tuple[int, Any]]:
    """Yield (index in ``jobs``, ``func(job)`` or :class:`Crashed`) as jobs finish.
    ``func`` must be importable (a module-level function) for process and Dask workers.
    An exception raised by ``func`` itself propagates (on Dask it yields a Crashed: the
    cluster cannot tell it from a lost worker)."""
    stop = stop or (lambda: False)
    if not jobs:
        return
    if scheduler is not None:
        yield from _dask(func, jobs, scheduler, workers, stop)
    elif workers > 1 and len(jobs) > 1:
        yield from _processes(func, jobs, usable_workers(workers, len(jobs)), stop)
    else:
        takes_stop = "stop" in inspect.signature(func).parameters
        for index, job in enumerate(jobs):
            if stop():
                return
            yield index, func(job, stop=stop) if takes_stop else func(job)


def _processes(func: Callable[[Any], Any], jobs: Sequence[Any], workers: int,
               stop: Callable[[], bool]) -> Iterator[tuple[int, Any]]:
    pending = dict(enumerate(jobs))
    crashes: dict[int, int] = {}
    context = multiprocessing.get_context("spawn")
    for _attempt in range(MAX_RESTARTS + 1):
        if not pending or stop():
            return
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                   initargs=(os.getpid(), worker_threads(workers)))
        try:
            futures = {pool.submit(func, job): index for index, job in pending.items()}
            waiting = set(futures)
            while waiting:
                done, waiting = wait(waiting, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                for future in done:
                    index = futures[future]
                    result = future.result()  # BrokenProcessPool if a worker died
                    pending.pop(index, None)
                    yield index, result
                if stop():
                    return
        except BrokenProcessPool:
            # a worker process died (killed, out of memory): retry what it held, once
            for index in list(pending):
                crashes[index] = crashes.get(index, 0) + 1
                if crashes[index] > 1:
                    pending.pop(index)
                    yield index, Crashed("worker process died while running it (twice)")
        finally:
            _terminate(pool)
    for index in pending:
        yield index, Crashed("worker process died while running it (twice)")


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down now: queued jobs cancelled, running workers terminated (Python
    3.12 has no public call for it: the pool's process table is read directly)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def _dask(func: Callable[[Any], Any], jobs: Sequence[Any], scheduler: str,
          workers: int, stop: Callable[[], bool]) -> Iterator[tuple[int, Any]]:
    try:
        from distributed import Client, LocalCluster
        from distributed.client import _wait as dask_wait
    except ImportError:  # pragma: no cover - dask is a dependency
        raise ScenarioError("--scheduler needs dask.distributed: pip install "
                            "'dask[distributed]'") from None
    cluster = None
    if scheduler == "local":
        import dask

        # loopback only, no dashboard, and no HTTP route served (health, metrics, ...)
        quiet = {"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}
        with dask.config.set(quiet):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
    elif scheduler.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
        client = Client(scheduler)
    else:
        path = Path(scheduler)
        if not path.is_file():
            raise ScenarioError(f"--scheduler {scheduler}: expected 'local', an address such "
                                f"as tcp://host:8786, or a scheduler file")
        client = Client(scheduler_file=str(path))
    try:
        futures = [client.submit(func, job, pure=False) for job in jobs]
        where = {future.key: index for index, future in enumerate(futures)}
        waiting = list(futures)
        while waiting:
            if stop():
                client.cancel(waiting)
                return
            try:
                done, not_done = client.sync(dask_wait, waiting, timeout=POLL_SECONDS,
                                             return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            waiting = list(not_done)
            for future in done:
                index = where[future.key]
                try:
                    yield index, future.result()
                except Exception as exc:  # noqa: BLE001 - the worker itself was lost
                    yield index, Crashed(f"dask: {type(exc).__name__}: {exc}"[:2000])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
