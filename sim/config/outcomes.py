"""Names of outcomes that scenario files, sweeps, tables and figures share.

The engine registers the metrics (:mod:`sim.engine.metrics`); the few names that the
other layers need without the engine (sweeps' default ``keep.metrics``, figures, the
comparison tables) are written once here, and the engine's tests check that it
registers them.
"""

from __future__ import annotations

DISORDER_INDICES = ("content_disorder", "platform_disorder", "pattern_disorder",
                    "disorder_index")
"""The three disorder indices (technology -> content, market -> platforms, social ->
pattern) and their mean."""
