"""Scenario section ``population``: accounts, strata and their initial opinions."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from sim.config.fields import (
    Name,
    Opinion,
    Probability,
    Strict,
    check_shares_and_names,
    field_error,
)


def largest_remainder_counts(shares: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to ``total`` closest to ``shares * total`` (Hamilton's method).

    Shares may sum to 1 only within ``SHARE_TOLERANCE``: over a large total the floors
    can then add up to more than ``total`` (one is taken from each of the strata with the
    smallest remainders, never below 0), or fall short by more than one per stratum
    (the shares are then scaled to sum to 1 first). When the floors fall short by at most
    one per stratum, the classic rule applies unchanged: one more to each of the strata
    with the largest remainders."""
    exact = np.asarray(shares, dtype=np.float64) * total
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if (short > counts.size or -short > np.count_nonzero(counts)) and exact.sum() > 0:
        exact = exact * (total / exact.sum())  # more than one per stratum to give or take
        counts = np.floor(exact).astype(np.int64)
        short = total - int(counts.sum())
    if short > 0:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    elif short < 0:  # the shares sum to a little more than 1
        remainder = np.where(counts > 0, exact - counts, np.inf)  # never below 0
        order = np.argsort(remainder, kind="stable")
        counts[order[:-short]] -= 1
    return counts


# --------------------------------------------------------------------------- population


class InitialOpinion(Strict):
    """Distribution of opinions at step 0 (opinions live in [-1, 1])."""

    distribution: Literal["uniform", "normal"] = Field(
        "uniform", description="uniform on [low, high], or normal(mean, sd) clipped to [-1, 1]."
    )
    low: Opinion = Field(-1.0, description="Lower bound (uniform). Default: Deffuant et al. 2000.")
    high: Opinion = Field(1.0, description="Upper bound (uniform). Default: Deffuant et al. 2000.")
    mean: Opinion = Field(0.0, description="Mean (normal).")
    sd: float = Field(0.5, gt=0.0, le=10.0, description="Standard deviation (normal).")

    @model_validator(mode="after")
    def _bounds(self) -> InitialOpinion:
        if self.distribution == "uniform" and self.low >= self.high:
            raise field_error("low", f"must be below high ({self.high}); got {self.low}")
        return self


class Stratum(Strict):
    """A demographic stratum (e.g. rural x older) with its own technology and social power."""

    name: Name = Field(description="Stratum label, e.g. urban_young.")
    share: Probability = Field(description="Share of the population in this stratum.")
    tech_access: Probability = Field(
        1.0,
        description="Probability of being online in a step (digital access). "
        "Default 1: no digital divide (textbook limit).",
    )
    literacy: float = Field(
        1.0,
        gt=0.0,
        le=1.0,
        description="Digital literacy: scales the chance to post and the reach of posts. "
        "Default 1: no skill gap (textbook limit).",
    )
    social_capital: float = Field(
        1.0,
        gt=0.0,
        le=100.0,
        description="Social power: weight of this stratum's posts in readers' opinion updates "
        "and climate, courage to speak (spiral of silence), claim on the network's hubs "
        "(population.centre_periphery). Default 1: equal social power (textbook limit).",
    )
    initial_opinion: InitialOpinion | None = Field(
        None,
        description="This stratum's opinions at step 0; default: population.initial_opinion.",
    )


def _default_strata() -> list[Stratum]:
    return [Stratum(name="all", share=1.0)]


class Population(Strict):
    """All accounts: ``size`` users split into strata (leaders and bots are taken among them)."""

    size: int = Field(gt=1, le=50_000_000, description="Number of accounts (users, leaders, bots).")

    def stratum_counts(self) -> np.ndarray:
        """Accounts per stratum: shares times size, rounded by largest remainder."""
        return largest_remainder_counts(np.array([s.share for s in self.strata]), self.size)
    strata: list[Stratum] = Field(
        default_factory=_default_strata,
        min_length=1,
        max_length=64,
        description="Strata with shares summing to 1. Default: one stratum (no divide).",
    )
    initial_opinion: InitialOpinion = Field(
        default_factory=InitialOpinion,
        description="Opinions at step 0 (strata may set their own). Default: uniform on "
        "[-1, 1] (Deffuant et al. 2000).")
    topics: int = Field(
        1, ge=1, le=32,
        description="Number of issues: each account holds an opinion on each, and each step "
        "one issue is discussed (dynamics.topics: salience, pan-politicisation, spillover). "
        "Default 1: the single issue of the textbook limit (chosen: at most 32 issues keep "
        "the per-issue table small).",
    )
    centre_periphery: Probability = Field(
        0.0,
        description="Centre-periphery placement: how strongly social capital decides who "
        "holds the network's most-followed positions (0 = strata placed at random; 1 = the "
        "highest-capital strata take the hubs). Default 0 (textbook limit).",
    )

    @field_validator("strata")
    @classmethod
    def _strata_consistent(cls, strata: list[Stratum]) -> list[Stratum]:
        check_shares_and_names(strata, "stratum")
        return strata


