"""The faces of the package: the command line (:mod:`.cli`, ``python run.py``) and the
browser dashboard (:mod:`.dashboard`, ``make dashboard``). Both stay thin: the work is
:mod:`sim.runs`' and the figures :mod:`sim.views`'."""
