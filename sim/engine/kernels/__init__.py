"""Compiled kernels, each beside its numpy twin, and the backend switch.

* :mod:`.dispatch` - the one dispatch mechanism: :func:`kernel` declares a kernel by
  its numpy reference, ``.compiled`` registers its Numba twin; :func:`backend` and
  :func:`use_backend` choose which runs.
* :mod:`.ecology` - the ecology's step and metrics (feeds, recommendation, silence,
  opinion update, the one-pass feed summary).
* :mod:`.classic` - the random-sequential meetings of the classic models.

Numba is a dependency of the package and the default backend. The numpy twins are
the reference implementation: ``OPINION_ECOLOGY_KERNELS=numpy`` (or ``with
backend("numpy")``) runs them, and they are used when Numba cannot be imported. Both
give the same numbers, bit for bit.
"""

from sim.engine.kernels.dispatch import (
    BACKENDS,
    active_backend,
    backend,
    numba_available,
    registered_kernels,
    set_threads,
    thread_count,
    threads,
    use_backend,
)

__all__ = ["BACKENDS", "active_backend", "backend", "numba_available", "registered_kernels",
           "set_threads", "thread_count", "threads", "use_backend"]
