"""Running the model: one run, comparisons, sweeps, sensitivity, and what they write.

=============================  ==================================================
module                         holds
=============================  ==================================================
:mod:`.driver`                 :func:`run_scenario`: scenario + seed -> RunResult
:mod:`.folder`                 the run folder: writing, reading back, redrawing
:mod:`.compare`                :func:`compare`: scenarios on common seeds
:mod:`.sweep`                  :func:`sweep`: parameter sweeps into Parquet
:mod:`.sensitivity`            Sobol' and Morris indices with SALib
:mod:`.executors`              serial, process pool and Dask, for all of the above
:mod:`.files`                  atomic writing of every file
:mod:`.resources`              the memory estimate checked before a run
:mod:`.power_levels`           scenarios between the baseline and each imbalance
=============================  ==================================================

It imports :mod:`sim.engine`, :mod:`sim.views` and :mod:`sim.config`, never
:mod:`sim.face`. The public functions are re-exported by the package facade
(``from sim import run_scenario, compare, sweep``); this package's own namespace holds
only its modules (``compare`` and ``sweep`` are both a module and its main function).
"""
