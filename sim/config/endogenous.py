"""Scenario sections ``dynamics.endogenous`` and ``dynamics.coupling``: power that moves.

``endogenous`` (issue #17, item 1): social capital follows recent attention and voice,
access and literacy diffuse along a logistic curve per stratum, platforms' appeal grows
with their share (data feedback) and small platforms are absorbed, leaders harvest
followers from the readers of their recommended posts. ``coupling`` (item 2, the
article's A3): platform power scales the mainstream outlet's reach, users' influence
and the platforms' control of the agenda. Every rate and strength defaults to 0, which
leaves today's model bit for bit (docs/model.md 3.13 and 3.14).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.config.fields import Probability, Strict, field_error


class EndogenousSpec(Strict):
    """Endogenous power: capital, access, platforms and leaders that move (docs/model.md
    3.13). Each part is off at rate 0."""

    capital_rate: Probability = Field(
        0.0,
        description="Share of the gap to its target that a person's social capital closes "
        "per step: s <- s + capital_rate * (T - s), T = mean capital * relative signal, "
        "clipped to [capital_floor, capital_ceiling]. Default 0 (capital fixed; chosen: "
        "today's model).",
    )
    capital_floor: float = Field(
        0.1, gt=0.0, le=100.0,
        description="Lowest social capital a person can fall to (capital also sets the "
        "courage to speak, so 0 would silence for good). Default 0.1 (chosen: a tenth of "
        "the baseline's capital of 1).",
    )
    capital_ceiling: float = Field(
        5.0, gt=0.0, le=1000.0,
        description="Highest social capital a person can reach. Default 5 (chosen: the "
        "spread of capital in social_imbalance.yaml is 0.3 to 3; a ceiling above it lets "
        "the seen rise past any stratum the scenarios set).",
    )
    voice_weight: Probability = Field(
        0.0,
        description="Weight of voice (expressing, relative to the public's share of "
        "expressing users) against recent attention (relative to the people's mean) in "
        "the signal capital follows. Default 0 (attention alone; chosen: attention is "
        "what being seen measures, and a silent user receives none).",
    )
    access_rate: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Logistic diffusion of access per stratum: a_i <- a_i + access_rate * "
        "mean_s(a) * (access_ceiling - a_i), mean_s(a) the stratum's mean access (adoption "
        "spreads by contact with adopters; chosen: the textbook logistic curve). Default 0 "
        "(access fixed).",
    )
    access_ceiling: Probability = Field(
        1.0,
        description="Saturation level of access diffusion (never lowers access above it). "
        "Default 1 (chosen: everyone can come online eventually).",
    )
    literacy_rate: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Logistic diffusion of literacy per stratum, as access_rate. Default 0.",
    )
    literacy_ceiling: Probability = Field(
        1.0, description="Saturation level of literacy diffusion. Default 1 (chosen).")
    data_feedback: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Data-monopoly feedback: each open platform's appeal is multiplied by "
        "(1 + share / mean share)^data_feedback relative to the step before, so a growing "
        "user base makes a platform more attractive. Default 0 (off).",
    )
    absorb_floor: float = Field(
        0.0, ge=0.0, lt=0.5,
        description="A commercial platform whose share of the public falls below this is "
        "merged into the largest commercial platform: its accounts move there and it "
        "closes (appeal 0). Default 0 (no mergers).",
    )
    leader_harvest: Probability = Field(
        0.0,
        description="Chance that a member of the public who read a recommended post of an "
        "opinion leader in the step follows the leader, replacing a random follow (the "
        "number of follows is kept). Default 0 (off).",
    )

    @model_validator(mode="after")
    def _bounds(self):
        if self.capital_floor >= self.capital_ceiling:
            raise field_error("capital_floor", f"must be below capital_ceiling "
                              f"({self.capital_ceiling:g}); got {self.capital_floor:g}")
        return self

    @property
    def on(self) -> bool:
        return bool(self.capital_rate or self.access_rate or self.literacy_rate
                    or self.data_feedback or self.absorb_floor or self.leader_harvest)


class CouplingSpec(Strict):
    """Coupled powers (docs/model.md 3.14): platform power erodes the outlet's reach,
    decides whose voice weighs, and concentration gives platforms the agenda. All 0:
    uncoupled, today's model."""

    platform_over_outlet: Probability = Field(
        0.0,
        description="The mainstream outlets' reach and influence are multiplied by 1 - k * "
        "S*, S* the largest commercial platform's share of the public. Default 0 (chosen: "
        "uncoupled).",
    )
    ranking_over_capital: float = Field(
        0.0, ge=0.0, le=3.0,
        description="A person's influence is multiplied by ((v + 1) / (mean v + 1))^k, v its "
        "recent attention: whom the feeds show decides whose voice weighs. Default 0 "
        "(chosen: uncoupled).",
    )
    concentration_over_agenda: Probability = Field(
        0.0,
        description="Each commercial platform's share of recommended feed slots rises to "
        "r + k * C * (1 - r), r = dynamics.recommendation_share, C = the normalised HHI "
        "of platform shares (market_concentration). Default 0 (chosen: uncoupled).",
    )
    @property
    def on(self) -> bool:
        return bool(self.platform_over_outlet or self.ranking_over_capital
                    or self.concentration_over_agenda)
