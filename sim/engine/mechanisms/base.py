"""The base of a mechanism: one phase of the step, with its own name and random stream."""

from __future__ import annotations

from sim.engine.state import Ecology


class Phase:
    """A mechanism of the step. ``name`` is also the name of its random stream
    (``model.streams[self.name]``), so turning one mechanism on never reshuffles another's
    draws.

    ``init(model)`` runs once, after the state is built (in schedule order);
    ``step(model)`` runs once per step. Both see the model as an :class:`Ecology`: the
    scenario ``model.spec``, the streams ``model.streams``, the arrays ``model.state``.
    No phase loops over users or ties in Python.
    """

    name = "phase"

    def init(self, model: Ecology) -> None:
        """Called once when the model is built, after population, network and actors."""

    def step(self, model: Ecology) -> None:  # pragma: no cover - interface
        raise NotImplementedError
