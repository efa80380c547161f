"""Scenario section ``interventions``: compensation as data.

Each item is one intervention spec, told apart by ``type`` (the article's three
families: symbol connection, platform performance, node empowerment). What each
one does at run time is in :mod:`sim.engine.interventions`; here is only what a
scenario file can say, its defaults and their sources.

The ``when`` trigger is one comparison ``metric op number``. Its syntax is checked
here; the metric name is checked against the names the engine passes in pydantic's
validation context (``{"metrics": [...]}``), since config knows no metric.
"""

from __future__ import annotations

import re
import typing
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, model_validator

from sim.config.fields import Name, Probability, Strict, field_error, known_metric

NUMBER = r"[-+]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"  # 5, 0.6, .6, 1e-3
CONDITION = re.compile(rf"\s*([a-z_][a-z0-9_]*)\s*(>=|<=|>|<)\s*({NUMBER})\s*")
MAX_CONDITION_CHARS = 200  # chosen: 'metric op number' is a few dozen characters


def parse_condition(text: str) -> tuple[str, str, float]:
    """'metric op number' -> (metric, op, number); ValueError naming what is allowed.
    The metric name is not checked here (see :func:`sim.config.fields.known_metric`).
    Linear in the text: at most ``MAX_CONDITION_CHARS`` are matched, by a pattern in
    which no two quantifiers compete for the same characters."""
    if len(text) > MAX_CONDITION_CHARS:
        raise ValueError(f"when: at most {MAX_CONDITION_CHARS} characters of 'metric op "
                         f"number' (e.g. 'disorder_index > 0.6'); got {len(text)} characters")
    match = CONDITION.fullmatch(text)
    if not match:
        raise ValueError(f"when: expected 'metric op number' with op one of >, >=, <, <= "
                         f"(e.g. 'disorder_index > 0.6'); got {text!r}")
    return match.group(1), match.group(2), float(match.group(3))


def condition_holds(condition: tuple[str, str, float], metrics: dict[str, float]) -> bool:
    """Whether ``metrics`` (name -> value) meets the parsed condition; False if the
    metric was not recorded."""
    name, op, value = condition
    x = metrics.get(name)
    if x is None:
        return False
    return {">": x > value, ">=": x >= value, "<": x < value, "<=": x <= value}[op]


class TargetSpec(Strict):
    """Whom an intervention addresses; unset fields take the intervention's default."""

    strata: list[Name] | None = Field(None, description="Strata by name.")
    platforms: list[Name] | None = Field(None, description="Platforms by name.")
    follower_quantile: Probability | None = Field(
        None,
        description="Accounts of the public whose follower count is at or below this "
        "quantile when the intervention begins (e.g. 0.5: the peripheral half).",
    )


class InterventionBase(Strict):
    """Fields every intervention has."""

    name: Name | None = Field(None, description="Label in outputs; default: the type.")
    start: int = Field(0, ge=0, description="Active from step start + 1.")
    end: int | None = Field(None, ge=1, description="Last active step; default: the run's end.")
    target: TargetSpec | None = Field(None, description="Whom it addresses (see each type).")
    when: str | None = Field(
        None,
        description="Reactive trigger 'metric op number' (op: >, >=, <, <=), checked on the "
        "previous step's metrics; default: always (a scheduled policy).",
    )

    @model_validator(mode="after")
    def _window(self, info: ValidationInfo):
        if self.end is not None and self.end <= self.start:
            raise field_error("end", f"must be after start ({self.start}); got {self.end}")
        if self.when is not None:
            try:
                name, _, _ = parse_condition(self.when)
                known_metric(name, info.context, "when")
            except ValueError as exc:
                raise field_error("when", str(exc).removeprefix("when: ")) from None
        return self


class ConnectivityProgrammeSpec(InterventionBase):
    """Symbol connection: rural connectivity, digital villages (村村通)."""

    type: Literal["connectivity_programme"]
    strength: Probability = Field(
        0.05,
        description="Per active step, targeted strata close this share of the gap of "
        "tech_access and of literacy to the level, never passing it. Default 0.05 (chosen: "
        "half the gap in ~14 steps).",
    )
    level: Probability | None = Field(
        None,
        description="Level of tech_access and of literacy the programme closes gaps toward. "
        "Default: the public's mean tech_access and mean literacy when the programme first "
        "begins (compensation toward the mean, not past it; docs/model.md 4.4).",
    )


class AlgorithmReformSpec(InterventionBase):
    """Symbol connection: better back-end algorithms."""

    type: Literal["algorithm_reform"]
    strength: Probability = Field(
        1.0, description="gamma of targeted platforms is multiplied by 1 - strength. "
        "Default 1 (bias removed).")
    diversity_quota: Probability = Field(
        0.0, description="Share of biased recommendation slots filled without bias "
        "(gamma 0). Default 0.")


class RealNameIpDisplaySpec(InterventionBase):
    """Symbol connection: real names and IP display against manipulation."""

    type: Literal["real_name_ip_display"]
    strength: Probability = Field(
        0.8, description="Bots' reach (volume) and credibility (influence) are multiplied by "
        "1 - strength. Default 0.8 (chosen).")
    exposure_cost: Probability = Field(
        0.0, description="Anonymity as a weapon of the weak (E4): while active, members of "
        "the public with below-mean social capital whose opinion is against the visible "
        "climate (opposite in sign to the mean opinion of the step's impressions) have their "
        "silence threshold raised by this much (capped at 1). "
        "Default 0 (chosen: real names cost the weak nothing, the model before E4; "
        "docs/model.md 3.19).")


class NewPublicPlatformSpec(InterventionBase):
    """Platform performance: a new public platform enters the market."""

    type: Literal["new_public_platform"]
    strength: Probability = Field(
        0.1, description="Share of the public that joins the entrant when it opens. "
        "Default 0.1 (chosen).")

    @model_validator(mode="after")
    def _one_platform(self):
        if self.target is None or not self.target.platforms or len(self.target.platforms) != 1:
            raise field_error("target.platforms", "name exactly one platform: the entrant, "
                               "declared under platforms with share 0")
        return self


class TrafficCapSpec(InterventionBase):
    """Platform performance: a cap on traffic-first ranking."""

    type: Literal["traffic_cap"]
    strength: Probability = Field(
        0.8, description="traffic_weight of targeted platforms is capped at 1 - strength. "
        "Default 0.8 (cap 0.2).")


class MediaConvergenceSpec(InterventionBase):
    """Platform performance: mainstream media converge onto the big platforms."""

    type: Literal["media_convergence"]
    strength: Probability = Field(
        0.3, description="Targeted commercial platforms give at least this share of their "
        "recommendation slots to the mainstream outlets. Default 0.3 (chosen).")


class LiteracyCampaignSpec(InterventionBase):
    """Platform performance: digital-literacy campaigns and elderly-friendly design."""

    type: Literal["literacy_campaign"]
    strength: Probability = Field(
        0.05, description="Per active step, targeted strata close this share of their "
        "literacy gap to 1. Default 0.05 (chosen).")


class AmplifyPeripherySpec(InterventionBase):
    """Node empowerment: amplify peripheral voices."""

    type: Literal["amplify_periphery"]
    strength: float = Field(
        1.0, ge=0.0, le=20.0, description="Reach of targeted accounts is multiplied by "
        "1 + strength. Default 1 (doubled).")


class BridgeStrataSpec(InterventionBase):
    """Node empowerment: bridge strata (shared-identity stories, cross-stratum ties)."""

    type: Literal["bridge_strata"]
    strength: Probability = Field(
        0.02, description="Per active step, this share of the online public replaces one "
        "follow with a poster from another stratum. Default 0.02 (chosen).")


class ExpressionSupportSpec(InterventionBase):
    """Node empowerment: raise the social power of low strata to speak."""

    type: Literal["expression_support"]
    strength: Probability = Field(
        0.5, description="Silence thresholds of targeted strata are multiplied by "
        "1 - strength. Default 0.5 (chosen).")


# ---- offline dialogue and social empowerment (E12, E13; docs/model.md 3.20) ----


class OfflineDialogueSpec(InterventionBase):
    """Node empowerment offline: community meetings across strata (线下渠道, E12)."""

    type: Literal["offline_dialogue"]
    strength: Probability = Field(
        0.05, description="Per active step, this share of the targeted public (online or "
        "not; default all strata) attends a meeting and talks face to face with a random "
        "member of the public of another stratum (two-sided bounded confidence). Default "
        "0.05 (chosen: about one meeting per person every 20 steps).")
    tie_chance: Probability = Field(
        0.3, description="Chance that an attendee replaces one random follow with the "
        "person met (a lasting cross-stratum tie). Default 0.3 (chosen).")


class SocialEmpowermentSpec(InterventionBase):
    """Node empowerment: a broad rise in the social power of the periphery (E13)."""

    type: Literal["social_empowerment"]
    strength: Probability = Field(
        0.02, description="Per active step, the targeted public (default: strata with "
        "below-mean social capital) closes this share of the gap of its social_capital to "
        "the level, never passing it. Default 0.02 (chosen: half the gap in ~35 steps).")
    level: float | None = Field(
        None, gt=0.0, le=100.0, description="Level of social_capital the gap is closed "
        "toward. Default: the public's mean social capital when the intervention first "
        "begins (compensation toward the mean, as connectivity_programme).")


# --------------------------------------------------------------------------- market entry
# (issue #17, item 7: new entrants; not a compensation policy but an event of the market,
# scheduled like one)


class NewEntrantSpec(InterventionBase):
    """A market event: a commercial platform enters with an innovation (e.g. generative
    AI) and competes for users; shares then reshuffle through competition alone."""

    type: Literal["new_entrant"]
    innovation: float = Field(
        1.0, ge=0.0, le=100.0,
        description="Innovation shock: the entrant opens with appeal (1 + innovation) times "
        "the appeal of the market leader (the open commercial platform with the largest "
        "share) at that step; 0 = a copy of the leader's product. Default 1 (chosen: a "
        "product twice as attractive as the leader's; docs/model.md 3.16).")
    early_adopters: Probability = Field(
        0.01,
        description="Share of the public, drawn at random, that moves to the entrant when it "
        "opens. Needed because an empty platform attracts nobody under network effects "
        "(choice ~ appeal * share^eta; Arthur 1989's lock-in). Default 0.01 (chosen: a "
        "foothold of one in a hundred, small against incumbents' shares of 0.1-0.5).")

    @model_validator(mode="after")
    def _one_entrant(self):
        if self.target is None or not self.target.platforms or len(self.target.platforms) != 1:
            raise field_error("target.platforms", "name exactly one platform: the entrant, "
                               "declared under platforms with share 0 and kind commercial")
        return self


InterventionSpec = Annotated[
    ConnectivityProgrammeSpec
    | AlgorithmReformSpec
    | RealNameIpDisplaySpec
    | NewPublicPlatformSpec
    | TrafficCapSpec
    | MediaConvergenceSpec
    | LiteracyCampaignSpec
    | AmplifyPeripherySpec
    | BridgeStrataSpec
    | ExpressionSupportSpec
    | OfflineDialogueSpec
    | SocialEmpowermentSpec
    | NewEntrantSpec,
    Field(discriminator="type"),
]


INTERVENTION_SPECS = typing.get_args(typing.get_args(InterventionSpec)[0])
"""Every intervention spec class, in the order of the union above."""



def spec_type(spec: type[InterventionBase]) -> str:
    """The ``type`` name an intervention spec class accepts (its Literal)."""
    return typing.get_args(spec.model_fields["type"].annotation)[0]


INTERVENTION_TYPES: tuple[str, ...] = tuple(spec_type(spec) for spec in INTERVENTION_SPECS)
"""The ``type`` names, from the specs themselves (one list, never written twice)."""
