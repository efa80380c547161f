"""Scenario sections ``platforms``, ``leaders`` and ``bots``: the heavyweight actors."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, field_validator, model_validator

from sim.config.fields import Name, Opinion, Probability, Strict, field_error

PER_10K = 10_000  # the unit of per_10k: accounts per this many accounts

_PER_CAPITA_RULE = (
    "Resolved against N = population.size, every account of the model (leaders, bots and "
    "outlet accounts are taken from the population, not added to it): round(x * N), "
    "Python's round half to even, and at least 1 when x > 0 (chosen: an actor switched on "
    "stays on in small populations; see docs/model.md, section 3.12)."
)


def _share_field(what: str, count_field: str) -> Any:
    """The per-capita alternative to ``count_field``: a fraction of all accounts."""
    return Field(
        None, ge=0.0, lt=1.0,
        description=f"{what} as a fraction of all accounts, in [0, 1): an alternative to "
        f"{count_field} that keeps the actor's weight when the population grows. "
        + _PER_CAPITA_RULE,
    )


def _per_10k_field(what: str, count_field: str) -> Any:
    """The per-capita alternative to ``count_field``: accounts per 10,000 accounts."""
    return Field(
        None, ge=0.0, lt=PER_10K,
        description=f"{what} per 10,000 accounts, in [0, 10000): the same as share = "
        f"per_10k / 10000, written as a rate; an alternative to {count_field}. "
        + _PER_CAPITA_RULE,
    )


def _one_size(spec: BaseModel, count_field: str) -> int:
    """Check that at most one of ``count_field``, share and per_10k is given (not null);
    return how many are."""
    given = [name for name in (count_field, "share", "per_10k")
             if getattr(spec, name) is not None]
    if len(given) > 1:
        shown = " and ".join(f"{name}={getattr(spec, name)}" for name in given)
        raise field_error(given[1], f"give only one of {count_field}, share and per_10k "
                          f"(the others null or left out); got {shown}")
    return len(given)


def size_field(spec: BaseModel, count_field: str) -> str:
    """The name of the size field ``spec`` was given with (``count_field`` if none)."""
    for name in ("share", "per_10k"):
        if getattr(spec, name) is not None:
            return name
    return count_field


def resolve_size(count: int | None, share: float | None, per_10k: float | None,
                 n_accounts: int) -> int:
    """Number of accounts from an absolute ``count`` (returned as is) or a per-capita
    ``share`` or ``per_10k`` of ``n_accounts``: round(x * n_accounts), round half to
    even, and at least 1 when x > 0."""
    if count is not None:
        return count
    exact = share * n_accounts if share is not None else (per_10k or 0.0) * n_accounts / PER_10K
    return max(1, round(exact)) if exact > 0 else 0


class OutletSpec(Strict):
    """The mainstream-media outlet publishing on a ``kind: mainstream`` platform.

    Give its size as ``accounts`` (absolute), ``share`` or ``per_10k`` (per capita), at
    most one of them; none given means ``accounts: 1``."""

    accounts: int | None = Field(
        None, ge=0, le=10_000,
        description="Accounts the outlet runs (they post every step). Default 1 (chosen) "
        "when neither share nor per_10k is given. An absolute number: the outlet's share "
        "of the impressions on its platform falls as 1/N when the population grows "
        "(its accounts compete, reach against literacy, with every poster there), while "
        "redistribution slots are already a share of slots; use share or per_10k to keep "
        "its weight per capita.",
    )
    share: float | None = _share_field("Accounts the outlet runs", "accounts")
    per_10k: float | None = _per_10k_field("Accounts the outlet runs", "accounts")
    stance: Opinion = Field(
        0.0,
        description="The outlet's fixed line. Default 0: balanced, authoritative reporting "
        "(chosen; see docs/model.md).",
    )
    reach: float = Field(
        10.0, ge=1.0, le=1000.0,
        description="Post weight of each outlet post in feeds and its influence in updates. "
        "Default 10 (chosen: a professional newsroom out-publishes a user). A weight per "
        "account, relative to a user's literacy (at most 1): it does not grow with N, so "
        "the outlet scales per capita through its number of accounts, not its reach.",
    )

    @model_validator(mode="after")
    def _one_size_given(self) -> OutletSpec:
        if _one_size(self, "accounts") == 0:
            self.accounts = 1
        return self

    def resolved_count(self, n_accounts: int) -> int:
        """Accounts the outlet runs in a population of ``n_accounts`` accounts
        (:func:`resolve_size`)."""
        return resolve_size(self.accounts, self.share, self.per_10k, n_accounts)


class StanceSpec(Strict):
    """A platform's commercial stance: the position its ranking favours, and how much.

    The ranking score of a post k on the platform is multiplied by
    exp(-weight * |x_k - position|) (docs/model.md 3.15): weight 0 leaves the ranking
    neutral (today's model), weight 1 ranks a post one unit of opinion away from the
    stance e^-1 = 0.37 times as high as one on it, all else equal."""

    position: Opinion = Field(
        description="The opinion the platform's owners or advertisers want to prevail (its "
        "agenda); chosen per scenario.")
    weight: float = Field(
        0.0, ge=0.0, le=20.0,
        description="Strength of the favour: log-factor of the ranking score per unit of "
        "distance |x_k - position|. Default 0 (no favour: the stance is only recorded, "
        "for the stance_gap measures). Chosen per scenario; 20 ranks a post 0.1 away "
        "e^-2 = 0.14 as high.")


class PlatformSpec(Strict):
    """A platform (Mesa agent): home of a share of the users; ranks and recommends posts."""

    name: Name = Field(description="The platform's label in outputs (unique).")
    share: Probability = Field(description="Initial share of users whose home platform it is.")
    kind: Literal["commercial", "mainstream"] = Field(
        "commercial", description="mainstream = a mainstream-media outlet's own app."
    )
    appeal: float = Field(
        1.0, gt=0.0, le=1000.0,
        description="Attractiveness to users who reconsider their platform (competition: "
        "choice ~ appeal * share^eta). Default 1 (equal footing).",
    )
    stickiness: Probability = Field(
        0.5,
        description="Retention: a user of this platform reconsiders with probability "
        "competition.reconsider_rate * (1 - stickiness). Default 0.5 (chosen).",
    )
    traffic_weight: Probability = Field(
        0.0,
        description="Traffic-first ranking: share of the ranking score driven by engagement "
        "(extremity) rather than reach. Default 0 (no traffic-first ranking).",
    )
    gamma: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Algorithmic bias of recommendations, weight ~ (|x_reader - x_post| + "
        "dynamics.bias_offset)^(-gamma) (Sirbu et al. 2019). Default 0 (unbiased).",
    )
    redistribution: Probability = Field(
        0.0,
        description="Share of this platform's recommendation slots given to the mainstream "
        "outlet's posts (media convergence). Default 0 (no redistribution).",
    )
    outlet: OutletSpec | None = Field(
        None,
        description="The outlet publishing here (kind: mainstream only); default for a "
        "mainstream platform: one account, stance 0, reach 10.",
    )
    stance: StanceSpec | None = Field(
        None,
        description="The platform's interest: a position its ranking favours with a weight "
        "(actors with interests, docs/model.md 3.15). Default none (a neutral platform; "
        "its stance_gap in platforms.csv is empty).",
    )

    @model_validator(mode="after")
    def _outlet_only_on_mainstream(self) -> PlatformSpec:
        if self.kind == "mainstream":
            if self.outlet is None:
                self.outlet = OutletSpec()
            if self.redistribution:
                raise field_error("redistribution", "only commercial platforms redistribute "
                                   "the outlet's posts; allowed here: 0")
        elif self.outlet is not None:
            raise field_error("outlet", "only a platform of kind 'mainstream' has an outlet")
        return self


def _default_platforms() -> list[PlatformSpec]:
    return [PlatformSpec(name="platform", share=1.0)]


class LeadersSpec(Strict):
    """Opinion leaders (Mesa agents), each owning one account with high activity and reach."""

    count: int | None = Field(
        None, ge=0,
        description="Number of leaders (absolute). Default 0 (textbook limit) when neither "
        "share nor per_10k is given. Give at most one of count, share and per_10k.",
    )
    share: float | None = _share_field("Leaders", "count")
    per_10k: float | None = _per_10k_field("Leaders", "count")
    selection: Literal["top_followers", "random"] = Field(
        "top_followers",
        description="Which accounts become leaders: the most-followed, or random ones.",
    )
    agenda: Opinion | list[Opinion] = Field(
        0.0,
        description="Target stance each leader pushes; a list is cycled over the leaders.",
    )
    reach: float = Field(
        5.0,
        ge=1.0,
        le=1000.0,
        description="A leader's post weight in feed sampling (ordinary users: their literacy, "
        "at most 1) and the multiplier of its social capital in readers' updates. "
        "Default chosen (see docs/model.md).",
    )
    activity: Probability = Field(1.0, description="Chance that a leader posts in a step.")
    stubbornness: Probability = Field(
        1.0,
        description="Share of the gap to the agenda a leader closes each step (1 = fixed stance).",
    )

    @field_validator("agenda")
    @classmethod
    def _agenda_nonempty(cls, agenda: float | list[float]) -> float | list[float]:
        if isinstance(agenda, list) and not agenda:
            raise ValueError("agenda list must not be empty")
        return agenda

    @model_validator(mode="after")
    def _one_size_given(self) -> LeadersSpec:
        if _one_size(self, "count") == 0:
            self.count = 0
        return self

    def resolved_count(self, n_accounts: int) -> int:
        """Number of leaders in a population of ``n_accounts`` accounts
        (:func:`resolve_size`)."""
        return resolve_size(self.count, self.share, self.per_10k, n_accounts)

    def agendas(self, count: int) -> np.ndarray:
        """Agenda of each of ``count`` leaders (the list cycled to ``count``; pass
        :meth:`resolved_count` or ``Scenario.leader_count``)."""
        values = self.agenda if isinstance(self.agenda, list) else [self.agenda]
        return np.resize(np.asarray(values, dtype=np.float64), count)


class BotCampaignSpec(Strict):
    """Social bots serving one holder of technology power: always online, fixed stance.

    Give the campaign's size as exactly one of ``count`` (absolute), ``share`` or
    ``per_10k`` (per capita)."""

    name: Name = Field("bots", description="The campaign's label in outputs (unique).")
    count: int | None = Field(
        None, ge=0,
        description="Number of bot accounts (absolute). Give exactly one of count, share "
        "and per_10k. A fixed count is a larger part of what the public sees in a small "
        "population than in a large one.",
    )
    share: float | None = _share_field("Bot accounts", "count")
    per_10k: float | None = _per_10k_field("Bot accounts", "count")
    stance: Opinion = Field(description="The fixed opinion every bot posts.")
    volume: float = Field(
        5.0,
        ge=1.0,
        le=1000.0,
        description="Volume of each bot: its post weight in feed sampling (ordinary users: "
        "their literacy, at most 1); bots post every step with influence 1. "
        "Default chosen (bots post far more than humans; see docs/model.md).",
    )
    platform: Name | None = Field(
        None, description="Home platform of the bots; default: drawn by platform shares."
    )

    @model_validator(mode="after")
    def _one_size_given(self) -> BotCampaignSpec:
        if _one_size(self, "count") == 0:
            raise field_error("count", "give the campaign's size: one of count (accounts), "
                              "share (fraction of all accounts, in [0, 1)) or per_10k "
                              "(accounts per 10,000)")
        return self

    def resolved_count(self, n_accounts: int) -> int:
        """Number of bot accounts in a population of ``n_accounts`` accounts
        (:func:`resolve_size`)."""
        return resolve_size(self.count, self.share, self.per_10k, n_accounts)


