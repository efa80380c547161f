"""Classic opinion models on the same vectorised engine (``dynamics.model``).

Each classic model is one phase that replaces the ecology's step (activation,
feeds, silence): there are no leaders or bots, and opinions stay on the
[-1, 1] scale (confidence bounds are therefore twice the [0, 1] values of the
papers). One file per model; :mod:`.pairwise` holds the exact random-sequential
machinery the pairwise ones share.
"""

from __future__ import annotations

from sim.engine.classic.algorithmic_bias import AlgorithmicBias
from sim.engine.classic.deffuant import Deffuant
from sim.engine.classic.echo_chamber import EchoChamber
from sim.engine.classic.hegselmann_krause import HegselmannKrause
from sim.engine.classic.voter import Voter
from sim.engine.mechanisms.base import Phase

CLASSIC_PHASES: dict[str, type[Phase]] = {
    "deffuant": Deffuant,
    "hegselmann_krause": HegselmannKrause,
    "algorithmic_bias": AlgorithmicBias,
    "voter": Voter,
    "echo_chamber": EchoChamber,
}
"""The phase of each classic ``dynamics.model``. Each says whether its dynamics run on the
follow network (``uses_network``); a classic run records only its own measures
(``families`` in :mod:`sim.engine.metrics.registry`)."""
