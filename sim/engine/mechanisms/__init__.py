"""The ecology's mechanisms: one phase per file, in the order of :mod:`sim.engine.schedule`.

Each is a small :class:`~sim.engine.mechanisms.base.Phase` with a ``name`` (also its
random stream), an ``init`` and a ``step`` that read and write
:class:`sim.engine.state.EcologyState` in vectorised passes.
"""
