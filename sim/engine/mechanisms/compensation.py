"""Compensation: the compensating authority runs the scenario's interventions."""

from __future__ import annotations

from sim.engine.interventions import Intervention, runtime_for
from sim.engine.mechanisms.base import Phase
from sim.engine.state import Ecology


class Compensation(Phase):
    """The compensating authority: runs the scenario's interventions, first in every step.

    For each intervention in file order (:mod:`sim.engine.interventions`): if it is due
    (its window, and its ``when`` condition on the previous step's metrics), ``begin``
    on becoming active, then ``apply``; if it stops being due, ``finalize``.
    ``state.intervention_active`` records, per intervention, whether it acted in the
    step (written to interventions.csv).
    """

    name = "interventions"

    def __init__(self) -> None:
        self.items: list[Intervention] = []

    def init(self, model: Ecology) -> None:
        self.items = [runtime_for(spec, k) for k, spec in enumerate(model.spec.interventions)]
        for item in self.items:
            item.init(model)

    def step(self, model: Ecology) -> None:
        active = model.state.intervention_active
        for k, item in enumerate(self.items):
            due = item.due(model)
            if due and not item.active:
                item.begin(model)
            elif item.active and not due:
                item.finalize(model)
            item.active = due
            if due:
                item.apply(model)
                item.active_steps += 1
            active[k] = due
