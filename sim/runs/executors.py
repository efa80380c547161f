"""Executors: run independent jobs serially, on local processes or on a Dask cluster.

One module for every batch of runs (``compare``, ``sweep``, ``sensitivity``).
:func:`run_jobs` yields ``(index, result)`` as jobs finish; a job whose worker process
died (killed, out of memory) is retried once and then yields a :class:`Crashed`
instead of a result. Results never depend on the executor or the number of workers:
each job is a function of its own inputs (a run of its scenario and seed).

* serial: ``workers`` <= 1 (or a single job), in order;
* local processes: ``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` start
  method (forking a process that holds threads is deprecated in Python 3.12); a broken
  pool is restarted up to ``MAX_RESTARTS`` times;
* Dask: ``scheduler`` = ``local`` (a LocalCluster of ``workers`` processes), a
  ``tcp://host:port`` address or a scheduler file.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config import ScenarioError

MAX_RESTARTS = 3


@dataclass(frozen=True)
class Crashed:
    """A job whose worker died (twice), or that Dask lost: no result."""

    error: str


def run_jobs(func: Callable[[Any], Any], jobs: Sequence[Any], workers: int = 1,
             scheduler: str | None = None) -> Iterator[tuple[int, Any]]:
    """Yield (index in ``jobs``, ``func(job)`` or :class:`Crashed`) as jobs finish.
    ``func`` must be importable (a module-level function) for process and Dask workers.
    An exception raised by ``func`` itself propagates (on Dask it yields a Crashed: the
    cluster cannot tell it from a lost worker)."""
    if not jobs:
        return
    if scheduler is not None:
        yield from _dask(func, jobs, scheduler, workers)
    elif workers > 1 and len(jobs) > 1:
        yield from _processes(func, jobs, min(workers, len(jobs)))
    else:
        for index, job in enumerate(jobs):
            yield index, func(job)


def _processes(func: Callable[[Any], Any], jobs: Sequence[Any],
               workers: int) -> Iterator[tuple[int, Any]]:
    pending = dict(enumerate(jobs))
    crashes: dict[int, int] = {}
    context = multiprocessing.get_context("spawn")
    for _attempt in range(MAX_RESTARTS + 1):
        if not pending:
            return
        try:
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                futures = {pool.submit(func, job): index for index, job in pending.items()}
                for future in as_completed(futures):
                    index = futures[future]
                    result = future.result()
                    pending.pop(index, None)
                    yield index, result
        except BrokenProcessPool:
            # a worker process died (killed, out of memory): retry what it held, once
            for index in list(pending):
                crashes[index] = crashes.get(index, 0) + 1
                if crashes[index] > 1:
                    pending.pop(index)
                    yield index, Crashed("worker process died while running it (twice)")
    for index in pending:
        yield index, Crashed("worker process died while running it (twice)")


def _dask(func: Callable[[Any], Any], jobs: Sequence[Any], scheduler: str,
          workers: int) -> Iterator[tuple[int, Any]]:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:  # pragma: no cover - dask is a dependency
        raise ScenarioError("--scheduler needs dask.distributed: pip install "
                            "'dask[distributed]'") from None
    cluster = None
    if scheduler == "local":
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
        for future in dask_completed(futures):
            index = where[future.key]
            try:
                yield index, future.result()
            except Exception as exc:  # noqa: BLE001 - the worker itself was lost
                yield index, Crashed(f"dask: {type(exc).__name__}: {exc}"[:2000])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
