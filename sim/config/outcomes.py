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
pattern) and their mean. Each is a mean of outcome terms only (docs/measures.md)."""

PRESSURES = ("bot_share", "voice_gap", "online_share", "mainstream_reach",
             "sensational_share", "silent_share")
"""Recorded values that a scenario sets or directly injects (technology: bots, access;
market: outlets, extremity of posts; social: silence). Recorded and drawn
beside the indices, never averaged into them."""

OUTCOME_TERMS = {
    "content_disorder": ("channel_distortion", "cocoon_tightness"),
    "platform_disorder": ("market_concentration", "extremity_amplification"),
    "pattern_disorder": ("attention_top1_share", "expression_gap", "stratum_insulation"),
}
"""The outcome terms each index averages (the engine's tests check the formulas agree)."""
