"""Scenario sections ``platforms``, ``leaders`` and ``bots``: the heavyweight actors."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from sim.config.fields import Name, Opinion, Probability, Strict, field_error


class OutletSpec(Strict):
    """The mainstream-media outlet publishing on a ``kind: mainstream`` platform."""

    accounts: int = Field(
        1, ge=0, le=10_000,
        description="Accounts the outlet runs (they post every step). Default 1 (chosen).",
    )
    stance: Opinion = Field(
        0.0,
        description="The outlet's fixed line. Default 0: balanced, authoritative reporting "
        "(chosen; see docs/model.md).",
    )
    reach: float = Field(
        10.0, ge=1.0, le=1000.0,
        description="Post weight of each outlet post in feeds and its influence in updates. "
        "Default 10 (chosen: a professional newsroom out-publishes a user).",
    )


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

    count: int = Field(0, ge=0, description="Number of leaders. Default 0 (textbook limit).")
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

    def agendas(self) -> np.ndarray:
        """Agenda of each leader (the list cycled to ``count``)."""
        values = self.agenda if isinstance(self.agenda, list) else [self.agenda]
        return np.resize(np.asarray(values, dtype=np.float64), self.count)


class BotCampaignSpec(Strict):
    """Social bots serving one holder of technology power: always online, fixed stance."""

    name: Name = Field("bots", description="The campaign's label in outputs (unique).")
    count: int = Field(ge=0, description="Number of bot accounts.")
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


