"""The faces of the package: the command line (:mod:`.cli`, ``python run.py``) and the
browser dashboard (:mod:`.dashboard`, ``make dashboard``; one tab's model, threads and
export are :mod:`.session`'s). They stay thin: the work is :mod:`sim.runs`' and the
figures :mod:`sim.views`'."""
