"""One dispatch mechanism for the kernels' two implementations, and the backend switch.

A kernel is declared by its numpy implementation, the reference, with
:func:`kernel`; its compiled twin is registered beside it with ``.compiled``::

    @kernel(prepare=lambda x, bins: (np.asarray(x, np.float64), int(bins)))
    def histogram(x, bins):
        \"\"\"Counts of x in equal bins on [-1, 1].\"\"\"
        ...  # numpy

    @histogram.compiled
    def _histogram_compiled(x, bins):  # pragma: no cover - compiled
        ...  # plain loops, compiled by Numba

Calling ``histogram(x, bins)`` runs the twin of the active backend on the
``prepare``-d arguments. Both twins must give identical results, bit for bit (the
tests check it): random numbers are drawn by the caller and passed in, and only
comparisons and correctly rounded IEEE arithmetic are used.

A kernel declared with ``kernel(parallel=True)`` has its compiled twin compiled with
Numba's ``parallel=True``: its ``prange`` loops run on every core. Such a twin must
give the same bits whatever the number of threads: it splits its work into chunks
fixed by the data alone (never by the thread count), each chunk writes only its own
outputs, and any floating-point total is added up in chunk order after the loop (no
atomic or racing floating-point updates). Such a module defines ``prange = range`` (so
its twins also run as plain Python); compiling a parallel twin binds the name to
``numba.prange``. :func:`set_threads` and :func:`threads`
choose the number of threads (Numba's ``set_num_threads``; the default is every
core, or ``NUMBA_NUM_THREADS``).

Helpers called only from compiled code are marked :func:`compiled_helper`. Numba is
imported, and the compiled functions and helpers wrapped with ``numba.njit``, on the
first call that needs them: building a scenario, validating it or reading the metric
registry never loads Numba.

The backend: ``numba`` (the default when Numba imports; it is a dependency of the
package) or ``numpy`` (the reference; also the fallback when Numba cannot be
imported). The environment variable ``OPINION_ECOLOGY_KERNELS`` (``numba``, ``numpy``
or ``auto``) sets it for the process; :func:`backend` switches it within a ``with``
block, :func:`use_backend` until further notice. The switch is process-wide.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sim.config import ScenarioError

BACKENDS = ("numba", "numpy")
PARALLEL_WORK = 1 << 15  # items below which a parallel twin runs as plain loops
JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}


def numba_available() -> bool:
    """Whether Numba is installed (without importing it)."""
    return importlib.util.find_spec("numba") is not None


def _backend_from_environment() -> str:
    choice = os.environ.get("OPINION_ECOLOGY_KERNELS", "auto").strip().lower()
    if choice not in ("auto", *BACKENDS):
        raise ScenarioError(f"environment variable OPINION_ECOLOGY_KERNELS={choice!r}: "
                            "expected numba, numpy or auto (or leave it unset)")
    if choice == "numba" and not numba_available():
        raise ScenarioError("environment variable OPINION_ECOLOGY_KERNELS=numba, but numba "
                            "is not installed: pip install numba, or set it to numpy")
    if choice == "auto":
        return "numba" if numba_available() else "numpy"
    return choice


_active = _backend_from_environment()
_kernels: list[Kernel] = []
_pending_helpers: list[tuple[dict[str, Any], str, Callable]] = []  # (globals, name, function)
_pending_kernels: list[Kernel] = []
_compiling = threading.Lock()  # the dashboard steps models in threads


def active_backend() -> str:
    """The backend kernels run on now: ``numba`` or ``numpy``."""
    return _active


def use_backend(name: str) -> str:
    """Switch the backend until switched again; returns the previous one."""
    global _active
    if name not in BACKENDS:
        raise ValueError(f"backend {name!r}: expected numba or numpy")
    if name == "numba" and not numba_available():
        raise RuntimeError("numba is not installed")
    previous, _active = _active, name
    return previous


@contextmanager
def backend(name: str) -> Iterator[str]:
    """``with backend("numpy"): ...`` runs the block on that backend, then restores the
    previous one (also on an exception)."""
    previous = use_backend(name)
    try:
        yield name
    finally:
        use_backend(previous)


def compiled_helper(func: Callable) -> Callable:
    """Mark a function called only from compiled kernels: it is compiled with them (its
    module's name for it then refers to the compiled function)."""
    _pending_helpers.append((func.__globals__, func.__name__, func))
    return func


def _compile_pending() -> None:
    """Wrap every helper and compiled twin registered so far with numba.njit (compilation
    itself happens on first call, per argument types; JIT_OPTIONS caches it on disk).
    Helpers first: a kernel compiled later finds them compiled under their names."""
    with _compiling:
        if not (_pending_helpers or _pending_kernels):
            return
        # idle OpenMP threads sleep rather than spin between parallel kernels (read when
        # Numba first starts its threads; a user's own setting wins): on a machine whose
        # cores are shared, a spinning thread takes time from the one doing the work
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import numba

        jit = numba.njit(**JIT_OPTIONS)
        if _threadsafe_layer():
            # never Numba's workqueue layer: the dashboard steps models in several
            # threads, and workqueue aborts on concurrent parallel launches
            numba.config.THREADING_LAYER = "threadsafe"
            jit_parallel = numba.njit(parallel=True, **JIT_OPTIONS)
        else:  # no OpenMP (libgomp) nor TBB: the parallel twins run as plain loops
            jit_parallel = jit
        while _pending_helpers:
            module_globals, name, func = _pending_helpers.pop(0)
            module_globals[name] = jit(func)
        while _pending_kernels:
            item = _pending_kernels.pop(0)
            if item.parallel:  # the module's name ``prange`` (range in plain Python)
                item.compiled_source.__globals__["prange"] = numba.prange
            item._jitted = (jit_parallel if item.parallel else jit)(item.compiled_source)
            if item.parallel and jit_parallel is not jit:  # plain loops, for small inputs
                item._serial = jit(item.compiled_source)


def _threadsafe_layer() -> bool:
    """Whether Numba can load a thread-safe threading layer (OpenMP or TBB)."""
    for module in ("numba.np.ufunc.omppool", "numba.np.ufunc.tbbpool"):
        try:
            importlib.import_module(module)
            return True
        except ImportError:
            continue
    return False


def set_threads(count: int) -> int:
    """Run the parallel kernels on ``count`` threads (at most the cores Numba saw at
    start-up, ``NUMBA_NUM_THREADS``); returns the previous count. Results do not depend
    on it (module docstring)."""
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(count), numba.config.NUMBA_NUM_THREADS)))
    return previous


def _numba_threads() -> int:
    import numba

    return numba.get_num_threads()


def thread_count() -> int:
    """Threads the parallel kernels run on now (1 without Numba)."""
    if not numba_available():
        return 1
    import numba

    return numba.get_num_threads()


@contextmanager
def threads(count: int) -> Iterator[int]:
    """``with threads(1): ...`` runs the block's parallel kernels on that many threads,
    then restores the previous count (also on an exception)."""
    previous = set_threads(count)
    try:
        yield thread_count()
    finally:
        set_threads(previous)


class Kernel:
    """A kernel: a numpy reference and a compiled twin, dispatched on the active backend."""

    def __init__(self, reference: Callable, prepare: Callable[..., tuple] | None,
                 parallel: bool = False, work: Callable[..., int] | None = None) -> None:
        functools.update_wrapper(self, reference)
        self.reference = reference
        self.prepare = prepare
        self.parallel = parallel
        self.work = work
        self._serial: Callable | None = None
        self.compiled_source: Callable | None = None
        self._jitted: Callable | None = None
        _kernels.append(self)

    def compiled(self, func: Callable) -> Callable:
        """Register ``func`` (plain Python, Numba-compilable) as the compiled twin."""
        self.compiled_source = func
        _pending_kernels.append(self)
        return func

    def _args(self, args: tuple) -> tuple:
        return self.prepare(*args) if self.prepare is not None else args

    def numpy(self, *args: Any) -> Any:
        """Run the numpy twin whatever the backend."""
        return self.reference(*self._args(args))

    def numba(self, *args: Any) -> Any:
        """Run the compiled twin whatever the backend (Numba must be installed). A parallel
        twin runs as plain loops (the same bits) on one thread or below PARALLEL_WORK
        items of ``work``: waking the other threads would cost more than it saves."""
        if self._jitted is None:
            _compile_pending()
        args = self._args(args)
        if self._serial is not None and (
                (self.work is not None and self.work(*args) < PARALLEL_WORK)
                or _numba_threads() == 1):
            return self._serial(*args)
        return self._jitted(*args)

    def __call__(self, *args: Any) -> Any:
        if _active == "numba" and self.compiled_source is not None:
            return self.numba(*args)
        return self.numpy(*args)


def kernel(prepare: Callable[..., tuple] | None = None, parallel: bool = False,
           work: Callable[..., int] | None = None) -> Callable[[Callable], Kernel]:
    """Declare a kernel by its numpy reference (see the module docstring). ``prepare``
    maps the call's arguments to the twins' (fixed dtypes: Numba compiles one version
    per argument types); ``parallel`` compiles the twin with Numba's ``parallel=True``
    (its ``prange`` loops run on all threads); ``work`` (of the prepared arguments)
    counts its items: below PARALLEL_WORK the twin runs as plain loops."""

    def declare(reference: Callable) -> Kernel:
        return Kernel(reference, prepare, parallel, work)

    return declare


def registered_kernels() -> list[Kernel]:
    """Every declared kernel (the tests check each has its compiled twin)."""
    return list(_kernels)
