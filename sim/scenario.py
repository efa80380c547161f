"""Scenario files: the validated description of everything a run needs.

A scenario is plain YAML checked against the pydantic models below
(``extra="forbid"`` everywhere: an unknown or misspelt key is an error).
Defaults switch every power mechanism off (no divide, no leaders, no bots, no
recommendations, no silence); only the default network, Barabasi-Albert, keeps
hubs. The shipped scenarios set mechanisms explicitly. Each default carries
its source.

Entry points: :func:`load_scenario` (file -> validated :class:`Scenario`),
:func:`apply_overrides` (``--set dotted.key=value``) and
:func:`scenario_json_schema`.
"""

from __future__ import annotations

import copy
import difflib
import re
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.errors import ScenarioError
from sim.interventions import INTERVENTION_TYPES, InterventionSpec
from sim.schema_base import Name, Opinion, Probability, Strict, _field_error
from sim.yamlio import YamlDocument, parse_override_value, read_yaml_file

SHARE_TOLERANCE = 1e-6  # shares must sum to 1 within this (rounding in hand-written files)
MAX_COMPLETE_SIZE = 5_000  # a complete graph of n accounts holds n(n - 1) follow ties


def largest_remainder_counts(shares: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to ``total`` closest to ``shares * total`` (Hamilton's method)."""
    exact = np.asarray(shares, dtype=np.float64) * total
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short > 0:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
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
            raise _field_error("low", f"must be below high ({self.high}); got {self.low}")
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
    initial_opinion: InitialOpinion = Field(default_factory=InitialOpinion)
    centre_periphery: Probability = Field(
        0.0,
        description="Centre-periphery placement: how strongly social capital decides who "
        "holds the network's most-followed positions (0 = strata placed at random; 1 = the "
        "highest-capital strata take the hubs). Default 0 (textbook limit).",
    )

    @field_validator("strata")
    @classmethod
    def _strata_consistent(cls, strata: list[Stratum]) -> list[Stratum]:
        total = sum(s.share for s in strata)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise ValueError(f"stratum shares must sum to 1; they sum to {total:.6g}")
        names = [s.name for s in strata]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"stratum names must be unique; repeated: {', '.join(dupes)}")
        return strata


# --------------------------------------------------------------------------- network


class BarabasiAlbert(Strict):
    """Preferential attachment (Barabasi & Albert 1999): hubs, degree exponent 3."""

    generator: Literal["barabasi_albert"]
    m: int = Field(10, ge=1, description="Edges of each new node; mean degree ~ 2m. Default: "
                   "chosen for ~20 follows per user (see docs/model.md).")


class WattsStrogatz(Strict):
    """Small world (Watts & Strogatz 1998): ring lattice with rewiring."""

    generator: Literal["watts_strogatz"]
    k: int = Field(20, ge=2, description="Each node is joined to its k nearest ring neighbours.")
    p: Probability = Field(0.1, description="Rewiring probability.")


class StochasticBlock(Strict):
    """Stochastic block model with the strata as blocks and tunable homophily."""

    generator: Literal["stochastic_block"]
    mean_degree: float = Field(20.0, gt=0.0, description="Expected number of ties per user.")
    homophily: Probability = Field(
        0.8,
        description="Expected share of all ties that join users of the same stratum. "
        "Default chosen (strong stratum homophily; see docs/model.md).",
    )


class PowerlawCluster(Strict):
    """Holme & Kim (2002): preferential attachment with triadic closure."""

    generator: Literal["powerlaw_cluster"]
    m: int = Field(10, ge=1, description="Edges of each new node.")
    p: Probability = Field(0.5, description="Probability of closing a triangle after each edge.")


class CompleteGraph(Strict):
    """Everyone follows everyone (the mixing of Deffuant et al. 2000)."""

    generator: Literal["complete"]


class EdgeListFile(Strict):
    """A user's own network: one ``u v`` pair of integer ids per line (``#`` comments)."""

    generator: Literal["edge_list"]
    path: str = Field(description="File path, relative to the scenario file.")
    directed: bool = Field(
        False, description="If true, 'u v' means u follows v; else the tie is mutual."
    )


NetworkSpec = Annotated[
    BarabasiAlbert
    | WattsStrogatz
    | StochasticBlock
    | PowerlawCluster
    | CompleteGraph
    | EdgeListFile,
    Field(discriminator="generator"),
]

# --------------------------------------------------------------------------- actors


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

    name: Name
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
                raise _field_error("redistribution", "only commercial platforms redistribute "
                                   "the outlet's posts; allowed here: 0")
        elif self.outlet is not None:
            raise _field_error("outlet", "only a platform of kind 'mainstream' has an outlet")
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


class BotCampaign(Strict):
    """Social bots serving one holder of technology power: always online, fixed stance."""

    name: Name = "bots"
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


# --------------------------------------------------------------------------- dynamics


class SilenceSpec(Strict):
    """Spiral of silence (Noelle-Neumann 1974): users who see their side outnumbered fall
    silent, and speak again when the climate they perceive turns."""

    enabled: bool = Field(False, description="Default off (textbook limit).")
    threshold: Probability = Field(
        0.3,
        description="Base willingness threshold: a user expresses while the perceived climate "
        "(influence-weighted share of recently seen posts on its side) is at least "
        "threshold * social_capital^(-capital_sensitivity). Default chosen (see docs/model.md).",
    )
    threshold_spread: Probability = Field(
        0.0,
        description="Personal thresholds are drawn uniformly in threshold +- spread (clipped to "
        "[0, 1]). Default 0 (everyone alike).",
    )
    capital_sensitivity: float = Field(
        0.0, ge=0.0, le=10.0,
        description="How much social capital lowers the threshold (0 = not at all). "
        "Default 0 (textbook limit).",
    )
    memory: float = Field(
        0.0, ge=0.0, lt=1.0,
        description="Weight of the past in the perceived climate: c <- memory * c + "
        "(1 - memory) * seen share. Default 0 (only this step's feed counts).",
    )


class OfflineSpec(Strict):
    """Offline influence: users who are not online meet family and neighbours."""

    rate: Probability = Field(
        0.0,
        description="Chance that an offline user talks with one random network contact in a "
        "step (bounded confidence, one-sided). Default 0 (off).",
    )


class FollowsSpec(Strict):
    """Follow dynamics: the Matthew effect and homophilous rewiring."""

    rate: Probability = Field(
        0.0,
        description="Chance that an online user reconsiders one of its follows in a step. "
        "Default 0 (a fixed network).",
    )
    alpha: float = Field(
        1.0, ge=0.0, le=5.0,
        description="New follows go to this step's posters with probability ~ "
        "(followers + 1)^alpha: 0 = no attachment preference, 1 = preferential attachment "
        "(Barabasi & Albert 1999), > 1 = winner takes all. Default 1.",
    )
    drop_concordant: Probability = Field(
        0.0,
        description="Chance that a reconsidered follow of a like-minded account (within the "
        "confidence bound) is replaced too; a discordant one always is. 0 = homophilous "
        "rewiring only (Sasahara et al. 2021); 1 = any follow. Default 0.",
    )
    stratum_homophily: Probability = Field(
        0.0,
        description="Chance that the new follow is sought in the user's own stratum. "
        "Default 0.",
    )
    candidates: int = Field(
        5, ge=1, le=100,
        description="Posters drawn by popularity when seeking a new follow; the first one "
        "within the confidence bound is followed (none: the old follow stays). "
        "Default 5 (chosen; see docs/model.md).",
    )


class CompetitionSpec(Strict):
    """Platform competition with network effects: users migrate between platforms."""

    reconsider_rate: Probability = Field(
        0.0,
        description="Chance per step that a user with stickiness 0 reconsiders its home "
        "platform. Default 0 (no migration).",
    )
    eta: float = Field(
        1.0, ge=0.0, le=10.0,
        description="Network-effect exponent: platform p is chosen with probability ~ "
        "appeal_p * share_p^eta (eta > 1: the large absorb the small; eta < 1: shares "
        "even out). Default 1 (shares drift neutrally).",
    )
    churn_sensitivity: float = Field(
        0.0, ge=0.0, le=100.0,
        description="Users who read disagreeable posts leave more: the chance to reconsider is "
        "multiplied by 1 + churn_sensitivity * (share of last step's feed outside the "
        "confidence bound), capped at 1. Default 0 (taste does not drive churn).",
    )


class AdaptationSpec(Strict):
    """Unconscious adjustment: platforms tune personalisation to the churn they can afford."""

    rate: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Step size of each commercial platform's adjustment of its gamma: "
        "gamma_p += rate * (churn_p - tolerated_churn) / tolerated_churn. Default 0 (off).",
    )
    tolerated_churn: float = Field(
        0.01, gt=0.0, le=1.0,
        description="Share of its users a platform accepts losing per step. Default 0.01 "
        "(chosen; see docs/model.md).",
    )
    max_gamma: float = Field(3.0, ge=0.0, le=10.0,
                             description="Upper bound of adapted gamma. Default 3 (chosen).")


class Dynamics(Strict):
    """The ecology's opinion core: who posts, what they see, how they update."""

    model: Literal["bounded_confidence"] = Field(
        "bounded_confidence",
        description="Opinion update rule: bounded_confidence (the ecology's feed-based core, "
        "default) or a classic model: deffuant, hegselmann_krause, algorithmic_bias, voter, "
        "echo_chamber.",
    )
    confidence: float = Field(
        0.4,
        gt=0.0,
        le=2.0,
        description="Confidence bound eps on the [-1, 1] scale (= 2x the [0, 1] eps of "
        "Deffuant et al. 2000). Default 0.4 (eps 0.2 on [0, 1]).",
    )
    convergence: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        description="Convergence parameter mu: share of the gap closed per update. "
        "Default 0.5 (Deffuant et al. 2000; Sirbu et al. 2019).",
    )
    feed_size: int = Field(1, ge=1, le=1000, description="Posts each online user reads per step.")
    recommendation_share: Probability = Field(
        0.0,
        description="Share of feed slots filled by the home platform's recommendations "
        "instead of followees' posts. Default 0 (pure network exposure).",
    )
    post_rate: Probability = Field(
        1.0, description="Chance that an online, expressing user posts (times literacy)."
    )
    engagement_exponent: float = Field(
        2.0, ge=0.0, le=10.0,
        description="Engagement of a post = |x|^engagement_exponent (extremity; used by "
        "traffic-first ranking). Default 2 (chosen: engagement rises convexly with "
        "extremity; see docs/model.md).",
    )
    bias_offset: float = Field(
        0.01, gt=0.0, le=1.0,
        description="Small constant added to reader-post distances before the power -gamma "
        "of algorithmic bias. Default 0.01 (chosen; see docs/model.md).",
    )
    bias_candidates: int = Field(
        10, ge=1, le=1000,
        description="Candidates drawn from the platform's ranking per biased recommendation "
        "slot, among which the bias picks one. Default 10 (see docs/model.md).",
    )
    emotion_amplification: float = Field(
        0.0, ge=0.0, le=100.0,
        description="Post-truth: a post travels through follows with weight * (1 + "
        "emotion_amplification * |x|), whatever its accuracy. Default 0 (off).",
    )
    silence: SilenceSpec = Field(default_factory=SilenceSpec)
    offline: OfflineSpec = Field(default_factory=OfflineSpec)
    follows: FollowsSpec = Field(default_factory=FollowsSpec)
    competition: CompetitionSpec = Field(default_factory=CompetitionSpec)
    adaptation: AdaptationSpec = Field(default_factory=AdaptationSpec)


Confidence = Annotated[
    float,
    Field(gt=0.0, le=2.0, description="Confidence bound eps on the [-1, 1] scale "
          "(= 2x eps on the [0, 1] scale of the papers). Default 0.4 (eps 0.2 on [0, 1], "
          "Deffuant et al. 2000's central case; chosen to match the ecology's default)."),
]
PairConvergence = Annotated[
    float,
    Field(gt=0.0, le=0.5, description="mu: each partner moves mu of the gap toward the other "
          "(mu <= 0.5 keeps the pair's order). Default 0.5 (Deffuant et al. 2000)."),
]
Semantics = Literal["random_sequential", "matching"]


class DeffuantDynamics(Strict):
    """Deffuant, Neau, Amblard & Weisbuch (2000): random pairs of neighbours meet and, if
    |x_i - x_j| < eps, both move mu of the gap toward each other."""

    model: Literal["deffuant"]
    confidence: Confidence = 0.4
    convergence: PairConvergence = 0.5
    semantics: Semantics = Field(
        "random_sequential",
        description="random_sequential: a step is N pair meetings, one after another (the "
        "paper's). matching: a step is one set of disjoint pairs updated at once.",
    )


class HegselmannKrauseDynamics(Strict):
    """Hegselmann & Krause (2002): synchronously, each agent takes the mean of all opinions
    (its own and its neighbours') within eps of its own."""

    model: Literal["hegselmann_krause"]
    confidence: Confidence = 0.4


class AlgorithmicBiasDynamics(Strict):
    """Sirbu, Pedreschi, Giannotti & Kertesz (2019): Deffuant with the partner chosen by a
    biased recommender, P(j | i) ~ max(|x_i - x_j|, floor)^(-gamma)."""

    model: Literal["algorithmic_bias"]
    confidence: Confidence = 0.4
    convergence: PairConvergence = 0.5
    gamma: float = Field(
        0.0, ge=0.0, le=100.0,
        description="Algorithmic bias: 0 = unbiased partner choice (Deffuant). Sirbu et al. "
        "2019 study 0 to 1.5.",
    )
    distance_floor: float = Field(
        2e-5, gt=0.0, le=1.0,
        description="Distances are floored at this before the power -gamma. Default 2e-5 on "
        "the [-1, 1] scale = NDlib's 1e-5 on [0, 1].",
    )
    semantics: Literal["random_sequential", "batched"] = Field(
        "random_sequential",
        description="random_sequential: N meetings one after another, each partner chosen "
        "on the current opinions (the paper's; exact; a compiled loop over the meetings "
        "when 2 gamma is a whole number, see docs/model.md 5.4). batched: partners of a "
        "look-ahead window of about 4 sqrt(N) meetings are chosen together from slightly "
        "stale opinions (speeds up convergence at high gamma; kept for comparison).",
    )


class VoterDynamics(Strict):
    """Voter model (Clifford & Sudbury 1973; Holley & Liggett 1975): an agent copies the
    opinion (+1 or -1) of a random neighbour. Initial opinions are the signs of the drawn
    initial opinions."""

    model: Literal["voter"]


class EchoChamberDynamics(Strict):
    """Baumann, Lorenz-Spreen, Sokolov & Starnini (2020): dx_i/dt = -x_i + K sum_j A_ij(t)
    tanh(alpha x_j) on an activity-driven temporal network with homophily beta."""

    model: Literal["echo_chamber"]
    # defaults: Baumann et al. 2020's polarised setting (K = alpha = beta = 3, m = 10,
    # r = 0.5, activity exponent 2.1 on [0.01, 1], dt = 0.01)
    influence: float = Field(3.0, gt=0.0, le=100.0, description="K, social influence strength.")
    controversy: float = Field(3.0, ge=0.0, le=100.0, description="alpha, controversy.")
    homophily: float = Field(
        3.0, ge=0.0, le=100.0,
        description="beta: contact probability ~ |x_i - x_j|^(-beta) (0 = random contacts).",
    )
    contacts: int = Field(10, ge=1, le=1000, description="m, contacts of an active agent.")
    reciprocity: Probability = Field(0.5, description="r, chance a contact is reciprocated.")
    activity_exponent: float = Field(2.1, gt=1.0, le=10.0,
                                     description="gamma of the power-law activity F(a) ~ a^-gamma.")
    activity_min: float = Field(0.01, gt=0.0, le=1.0, description="epsilon, lowest activity.")
    dt: float = Field(0.01, gt=0.0, le=1.0, description="Integration time step.")
    distance_floor: float = Field(
        1e-5, gt=0.0, le=1.0,
        description="|x_i - x_j| is floored at this (raw opinion units) before the power "
        "-beta. Default 1e-5 (NDlib's floor).",
    )


CLASSIC_MODELS = ("deffuant", "hegselmann_krause", "algorithmic_bias", "voter", "echo_chamber")


def _dynamics_tag(value: Any) -> str:
    if isinstance(value, dict):
        return value.get("model", "bounded_confidence")
    return getattr(value, "model", "bounded_confidence")


DynamicsSpec = Annotated[
    Annotated[Dynamics, Tag("bounded_confidence")]
    | Annotated[DeffuantDynamics, Tag("deffuant")]
    | Annotated[HegselmannKrauseDynamics, Tag("hegselmann_krause")]
    | Annotated[AlgorithmicBiasDynamics, Tag("algorithmic_bias")]
    | Annotated[VoterDynamics, Tag("voter")]
    | Annotated[EchoChamberDynamics, Tag("echo_chamber")],
    Discriminator(_dynamics_tag),
]


class MetricsSpec(Strict):
    """Parameters of the measurements (not of the dynamics)."""

    cluster_gap: float = Field(
        0.05,
        gt=0.0,
        le=2.0,
        description="Sorted opinions further apart than this start a new cluster.",
    )
    min_cluster_share: Probability = Field(
        0.01,
        description="Clusters holding less than this share of users are not counted "
        "in n_clusters (minor extreme clusters; Deffuant et al. 2000).",
    )
    sensational_threshold: float = Field(
        0.8, gt=0.0, le=1.0,
        description="Posts with |x| at or above this count as sensational "
        "(sensational_share). Default 0.8 (chosen: the outer tenth on each side).",
    )
    attention_halflife: float | None = Field(
        10.0, gt=0.0,
        description="Half-life in steps of the recent attention behind attention_gini and "
        "attention_top1_share; null = cumulative since step 0. Default 10 (chosen).",
    )
    low_access_strata: list[Name] | None = Field(
        None,
        description="Strata whose voice voice_gap measures; default: the strata whose "
        "tech_access is below the population mean.",
    )


class RunSpec(Strict):
    """How long to run and with which seed."""

    steps: int = Field(100, ge=1, le=10_000_000, description="Number of steps.")
    seed: int = Field(0, ge=0, lt=2**63, description="Seed of every random stream of the run.")


class Scenario(Strict):
    """A complete, replayable description of one run."""

    name: Name
    description: str = ""
    population: Population
    network: NetworkSpec = Field(
        default_factory=lambda: BarabasiAlbert(generator="barabasi_albert")
    )
    platforms: list[PlatformSpec] = Field(
        default_factory=_default_platforms, min_length=1, max_length=1000
    )
    leaders: LeadersSpec = Field(default_factory=LeadersSpec)
    bots: list[BotCampaign] = Field(default_factory=list)
    dynamics: DynamicsSpec = Field(default_factory=Dynamics)
    interventions: list[InterventionSpec] = Field(
        default_factory=list,
        max_length=100,
        description="Compensation interventions (sim/interventions.py), applied in file order "
        "at the start of each step. Default: none.",
    )
    metrics: MetricsSpec = Field(default_factory=MetricsSpec)
    run: RunSpec = Field(default_factory=RunSpec)

    @field_validator("platforms")
    @classmethod
    def _platform_shares(cls, platforms: list[PlatformSpec]) -> list[PlatformSpec]:
        total = sum(p.share for p in platforms)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise ValueError(f"platform shares must sum to 1; they sum to {total:.6g}")
        names = [p.name for p in platforms]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"platform names must be unique; repeated: {', '.join(dupes)}")
        return platforms

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        n = self.population.size
        net = self.network
        if isinstance(net, BarabasiAlbert | PowerlawCluster) and net.m >= n:
            raise _field_error("network.m", f"must be below population.size ({n}); got {net.m}")
        if isinstance(net, WattsStrogatz) and net.k >= n:
            raise _field_error("network.k", f"must be below population.size ({n}); got {net.k}")
        if isinstance(net, StochasticBlock):
            from sim.network import sbm_probabilities  # local: network imports this module

            probs = sbm_probabilities(self.population.stratum_counts(), net.mean_degree,
                                      net.homophily)
            if probs.max() > 1.0:
                raise _field_error(
                    "network.mean_degree",
                    f"too high for the strata sizes (a tie probability would be "
                    f"{probs.max():.3g} > 1); lower mean_degree or homophily",
                )
        if isinstance(net, StochasticBlock) and self.population.centre_periphery > 0:
            raise _field_error(
                "population.centre_periphery",
                "must be 0 with network.generator 'stochastic_block' (its blocks already place "
                "the strata); use a generator with hubs, e.g. barabasi_albert",
            )
        if isinstance(net, CompleteGraph) and n > MAX_COMPLETE_SIZE:
            raise _field_error(
                "network.generator",
                f"complete graphs are limited to population.size <= {MAX_COMPLETE_SIZE} "
                f"(got {n}); use another generator for larger populations",
            )
        if self.dynamics.model in CLASSIC_MODELS:
            if self.leaders.count:
                raise _field_error(
                    "leaders.count",
                    f"must be 0 with the classic model {self.dynamics.model!r} "
                    "(it has no opinion leaders)",
                )
            if any(b.count for b in self.bots):
                raise _field_error(
                    "bots", f"must be empty with the classic model {self.dynamics.model!r}"
                )
            for i, platform in enumerate(self.platforms):
                if platform.outlet is not None and platform.outlet.accounts:
                    raise _field_error(
                        f"platforms.{i}.outlet.accounts",
                        f"must be 0 with the classic model {self.dynamics.model!r} "
                        "(it has no mainstream outlet)",
                    )
        special = self.leaders.count + sum(b.count for b in self.bots) + self.outlet_accounts
        if special > n // 2:
            raise _field_error(
                "leaders.count",
                f"leaders, bots and outlet accounts ({special}) may hold at most half of the "
                f"{n} accounts",
            )
        low = self.metrics.low_access_strata
        strata_names = [s.name for s in self.population.strata]
        for i, name in enumerate(low or []):
            if name not in strata_names:
                raise _field_error(
                    f"metrics.low_access_strata.{i}",
                    f"unknown stratum {name!r}; allowed: {', '.join(strata_names)}",
                )
        names = [b.name for b in self.bots]
        dupes = sorted({x for x in names if names.count(x) > 1})
        if dupes:
            raise _field_error("bots", f"bot campaign names must be unique; repeated: {dupes}")
        platform_names = [p.name for p in self.platforms]
        for i, bot in enumerate(self.bots):
            if bot.platform is not None and bot.platform not in platform_names:
                raise _field_error(
                    f"bots.{i}.platform",
                    f"unknown platform {bot.platform!r}; allowed: {', '.join(platform_names)}",
                )
        self._check_interventions([x.name for x in self.population.strata], platform_names)
        return self

    def _check_interventions(self, strata_names: list[str], platform_names: list[str]) -> None:
        if self.interventions and self.dynamics.model in CLASSIC_MODELS:
            raise _field_error("interventions", f"must be empty with the classic model "
                               f"{self.dynamics.model!r} (interventions act on the ecology)")
        for i, item in enumerate(self.interventions):
            where = f"interventions.{i}"
            target = item.target
            for j, name in enumerate((target.strata or []) if target else []):
                if name not in strata_names:
                    raise _field_error(f"{where}.target.strata.{j}", f"unknown stratum {name!r}; "
                                       f"allowed: {', '.join(strata_names)}")
            for j, name in enumerate((target.platforms or []) if target else []):
                if name not in platform_names:
                    raise _field_error(f"{where}.target.platforms.{j}", f"unknown platform "
                                       f"{name!r}; allowed: {', '.join(platform_names)}")
            if item.type == "new_public_platform":
                entrant = self.platforms[platform_names.index(target.platforms[0])]
                if entrant.share != 0:
                    raise _field_error(f"{where}.target.platforms.0", f"the entrant "
                                       f"{entrant.name!r} must be declared with share 0 (it "
                                       f"opens when the intervention begins); got "
                                       f"{entrant.share}")

    @property
    def outlet_accounts(self) -> int:
        """Accounts run by the mainstream outlets of all platforms."""
        return sum(p.outlet.accounts for p in self.platforms if p.outlet is not None)

    def resolved(self) -> dict[str, Any]:
        """The full scenario as plain data (defaults filled), ready to write as YAML."""
        return self.model_dump(mode="json")


# --------------------------------------------------------------------------- loading


def apply_overrides(data: Any, overrides: list[str] | None) -> Any:
    """Apply ``dotted.key=value`` overrides (values parsed as YAML) to raw scenario data."""
    if not overrides:
        return data
    data = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise ScenarioError(f"--set {item}: expected dotted.key=value")
        key, _, raw = item.partition("=")
        parts = [p for p in key.strip().split(".")]
        if not all(parts):
            raise ScenarioError(f"--set {item}: empty part in key {key!r}")
        try:
            value = parse_override_value(raw)
        except ScenarioError as exc:
            raise ScenarioError(f"--set {item}: value is not valid YAML ({exc})") from None
        target = data
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            where = ".".join(parts[: depth + 1])
            if isinstance(target, list):
                if not part.isdigit() or int(part) >= len(target):
                    raise ScenarioError(
                        f"--set {item}: {where}: list index must be 0..{len(target) - 1}"
                    )
                index: Any = int(part)
            elif isinstance(target, dict):
                index = part
            else:
                raise ScenarioError(f"--set {item}: {where}: parent is not a section or list")
            if last:
                target[index] = value
            else:
                if isinstance(target, dict) and index not in target:
                    if parts[depth + 1].isdigit():  # an item of a list the file leaves out
                        raise ScenarioError(
                            f"--set {item}: {where}: the file does not write this list, so "
                            f"item {parts[depth + 1]} cannot be set; write {where} in the file "
                            f"or set the whole list (--set {where}=[...])"
                        )
                    target[index] = {}
                target = target[index]
    return data


def _strip_discriminators(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """Drop union tags (e.g. 'barabasi_albert') that pydantic inserts into error paths."""
    out: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            if part in node:
                out.append(part)
                node = node[part]
            elif part in _TAGS and part not in node:
                continue
            else:
                out.append(part)
                node = None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        else:
            out.append(part)
            node = None
    return tuple(out)


def _allowed_keys(model: type[BaseModel] | None) -> list[str]:
    return list(model.model_fields) if model is not None else []


def _section_model(loc: tuple[Any, ...], data: Any,
                   root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at ``loc`` (for 'allowed keys' hints)."""
    model: Any = root or Scenario
    node = data
    element: Any = None  # the item annotation of a list field, resolved at its index
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if element is not None:
                model, element = _model_of_annotation(element, node), None
            continue
        if model is None:
            return None
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None
        node = node.get(part) if isinstance(node, dict) else None
        if typing.get_origin(field.annotation) is list:
            element = typing.get_args(field.annotation)[0]
            model = _model_of_annotation(element, None)  # a list of one model
        else:
            model = _model_of_annotation(field.annotation, node)
    return model


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model reachable through Annotated, unions and Optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found += [m for m in _models_in(arg) if m not in found]
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and not found:
        found += _models_in(origin) if isinstance(origin, type) else []
    return found


def _model_of_annotation(annotation: Any, node: Any) -> type[BaseModel] | None:
    candidates = _models_in(annotation)
    if len(candidates) == 1:
        return candidates[0]
    for key, default in (("generator", None), ("model", "bounded_confidence"), ("type", None)):
        tag = node.get(key, default) if isinstance(node, dict) else None
        for cand in candidates:
            field = cand.model_fields.get(key)
            if tag is not None and field is not None and tag in getattr(
                field.annotation, "__args__", ()
            ):
                return cand
    if isinstance(node, list | None) and candidates and typing.get_origin(annotation) is not list:
        return candidates[0] if len(candidates) == 1 else None
    return None


def _describe(error: dict[str, Any], loc: tuple[Any, ...], data: Any,
              root: type[BaseModel] | None = None) -> str:
    kind = error["type"]
    msg = error["msg"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(_section_model(loc[:-1], data, root))
        key = str(loc[-1])
        hint = difflib.get_close_matches(key, allowed, n=1)
        text = f"unknown field {key!r}"
        if hint:
            text += f"; did you mean {hint[0]!r}?"
        if allowed:
            text += f" (allowed: {', '.join(allowed)})"
        return text
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        key = ("model" if loc and loc[-1] == "dynamics"
               else "type" if "interventions" in loc else "generator")
        tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        hint = difflib.get_close_matches(str(ctx.get("tag")), tags, n=1)
        text = f"unknown {key} {ctx.get('tag')!r}"
        if hint:
            text += f"; did you mean {hint[0]!r}?"
        return text + f" (allowed: {', '.join(tags)})"
    if kind == "union_tag_not_found":
        if "interventions" in loc:
            return "missing 'type' (one of: " + ", ".join(INTERVENTION_TYPES) + ")"
        return "missing 'generator' (one of: " + ", ".join(_generators()) + ")"
    if kind.startswith("value_error"):
        msg = msg.removeprefix("Value error, ")
    received = error.get("input")
    if kind in {"int_parsing", "int_type", "float_parsing", "float_type", "bool_parsing",
                "bool_type", "string_type", "list_type", "dict_type", "model_type",
                "int_from_float", "literal_error"} and not isinstance(received, dict | list):
        msg += f"; got {received!r}"
    return msg


_TAGS = {"barabasi_albert", "watts_strogatz", "stochastic_block", "powerlaw_cluster", "complete",
         "edge_list", "bounded_confidence", *CLASSIC_MODELS, *INTERVENTION_TYPES}


def _generators() -> list[str]:
    return ["barabasi_albert", "watts_strogatz", "stochastic_block", "powerlaw_cluster",
            "complete", "edge_list"]


_AT_PATH = re.compile(r"^@([^@]*)@ (.*)$", re.S)


def format_validation_error(
    exc: ValidationError, doc: YamlDocument | None, data: Any, source: str,
    overrides: list[str] | None = None, model: type[BaseModel] | None = None,
) -> str:
    """One message: ``file:line:col: field.path: what is wrong / allowed`` per error.

    Unknown keys are listed first (a misspelt key also causes a 'missing' error);
    an error on a field set with ``--set`` is attributed to that override.
    """
    lines = []
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    set_keys = [(item.partition("=")[0].strip(), item) for item in overrides or []]
    for error in errors:
        loc = _strip_discriminators(tuple(error["loc"]), data)
        text = _describe(error, loc, data, model)
        match = _AT_PATH.match(text)
        if match:
            sub = tuple(int(p) if p.isdigit() else p for p in match.group(1).split(".") if p)
            # paths inside a section's own validator are relative to that section
            loc = sub if sub and sub[0] in (model or Scenario).model_fields else loc + sub
            text = match.group(2)
        path = ".".join(str(p) for p in loc) or "(top level)"
        where = source
        from_set = [item for key, item in set_keys
                    if path == key or path.startswith(key + ".") or key.startswith(path + ".")]
        if from_set:
            where = f"{source} (--set {from_set[-1]})"
        elif doc is not None:
            pos = doc.position(loc)
            if pos is not None:
                where = f"{source}:{pos[0]}:{pos[1]}"
        lines.append(f"{where}: {path}: {text}")
    if len(lines) > 5:
        lines = lines[:5] + [f"... and {len(lines) - 5} more errors"]
    return "\n".join(lines)


def validate_scenario(
    data: Any, source: str = "<scenario>", doc: YamlDocument | None = None,
    base_dir: Path | None = None, overrides: list[str] | None = None,
) -> Scenario:
    """Validate raw data; raise ScenarioError with one clear message if it is wrong."""
    if data is None:
        raise ScenarioError(f"{source}: file is empty; expected a scenario mapping")
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}: top level must be a mapping of sections (name, population, ...); "
            f"got {type(data).__name__}"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(
            format_validation_error(exc, doc, data, source, overrides)
        ) from None
    if isinstance(scenario.network, EdgeListFile):
        from sim.network import read_edge_list  # local: only edge-list scenarios pay for it

        path = Path(scenario.network.path)
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        scenario.network.path = str(path.resolve())
        pos = doc.position(("network", "path")) if doc is not None else None
        where = f"{source}:{pos[0]}:{pos[1]}" if pos else source
        read_edge_list(path, scenario.population.size, where=f"{where}: network.path")
    return scenario


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, override and validate a scenario file. Raises ScenarioError on any problem."""
    path = Path(path)
    doc = read_yaml_file(path)
    data = doc.data
    if overrides and isinstance(data, dict):
        data = apply_overrides(data, overrides)
    return validate_scenario(data, str(path), doc, base_dir=path.parent, overrides=overrides)


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files (for editors' completion and checking)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "opinion-ecology scenario"
    return schema
