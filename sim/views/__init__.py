"""Figures from result tables: pandas in, matplotlib ``Figure`` out.

It imports only :mod:`sim.config` (for shared outcome names): figures never need the
engine, so they can be redrawn from saved files anywhere. Saving is the caller's.

* :mod:`.run` - one run: disorder indices, all metrics, opinions, platforms, attention
  Lorenz curve, silence and voice by stratum, network sample; several runs side by side.
* :mod:`.compare` - scenarios over seeds.
* :mod:`.sweep` - a metric over swept parameters; sensitivity indices.
* :mod:`.common` - labels and intervention windows.
"""
