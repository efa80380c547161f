"""The model: a ``mesa.Model`` whose users live in numpy arrays.

=============================  ==================================================
module                         holds
=============================  ==================================================
:mod:`.model`                  :class:`OpinionEcologyModel` (Mesa model, agents,
                               recording, inspection)
:mod:`.schedule`               the documented step order, one line per mechanism
:mod:`.mechanisms`             one phase per file (activation, exposure, silence...)
:mod:`.interventions`          what each compensation does at run time
:mod:`.classic`                the classic opinion models, one file each
:mod:`.state`                  the declared state: every array of a run
:mod:`.build`                  the state built from a scenario, before step 0
:mod:`.network`                the follow network (CSR) and its generators
:mod:`.agents`                 Mesa agents: platforms, leaders, bots, outlets
:mod:`.metrics`                the metric registry and the run's records
:mod:`.kernels`                compiled kernels beside their numpy twins
:mod:`.streams`                named random streams
:mod:`.sampling`               a snowball sample of the network, for figures
:mod:`.scenarios`              scenarios as the engine reads them
=============================  ==================================================

It imports only :mod:`sim.config` and itself. Importing this package loads nothing
heavy; import :mod:`sim.engine.model` (or ``from sim import OpinionEcologyModel``).
"""
