"""Scenario section ``dynamics``: the ecology's opinion core, or one classic model.

``dynamics.model`` selects the variant: ``bounded_confidence`` (the ecology, the
default, :class:`Dynamics`) or one of :data:`CLASSIC_MODELS`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from sim.config.endogenous import CouplingSpec, EndogenousSpec
from sim.config.fields import Probability, Strict, field_error
from sim.config.population import InitialOpinion


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


class IncumbentsSpec(Strict):
    """Re-institutionalised inequality (A4): incumbents adapt to compensation while it runs.

    While an ``amplify_periphery`` intervention is active, the opinion leaders aim their
    content at the periphery and capture a share kappa of its boost; while an
    ``algorithm_reform`` or ``traffic_cap`` is active, the commercial platforms work
    around it and undo a share kappa of its change (each intervention's kappa rises
    toward ``capture`` at ``rate`` per step while it runs and falls back at the same rate
    when it does not); while a ``new_public_platform`` is open, each leader moves its home
    to it with chance ``migrate`` per step. docs/model.md 3.18.
    """

    rate: Probability = Field(
        0.0,
        description="Speed of capture: kappa <- kappa + rate * (capture - kappa) per step "
        "while the intervention (amplify_periphery, algorithm_reform, traffic_cap) is "
        "active, kappa <- (1 - rate) kappa otherwise. Default 0 (off: incumbents do not "
        "adapt).",
    )
    capture: Probability = Field(
        0.5,
        description="Ceiling of kappa. amplify_periphery: the periphery's boost falls to 1 + "
        "(1 - kappa) s and the leaders' reach is multiplied by 1 + kappa s; algorithm_reform "
        "and traffic_cap: kappa of their change to gamma or traffic_weight is undone. "
        "Default 0.5 (chosen: incumbents end up sharing the programme's effect equally with "
        "its targets; docs/model.md 3.18).",
    )
    migrate: Probability = Field(
        0.0,
        description="Chance per step that a leader not yet on an open new public platform "
        "(new_public_platform) moves its home there, joining its recommendation pool. "
        "Default 0 (off).",
    )


PERSONALISATION_FIELDS = ("tolerated_churn", "max_gamma")
INNOVATION_FIELDS = ("max_appeal",)


class AdaptationSpec(Strict):
    """Unconscious adjustment of platforms to market incentives, in one of two modes.

    ``innovation`` (the article's unconscious adjustment, section 3): commercial platforms
    that lag the leader invest in product innovation and gain appeal, which redistributes
    users as a side effect. ``personalisation``: platforms raise their algorithmic bias
    while they lose more users than they tolerate (a race toward cocoons; the rule of this
    block before the innovation mode existed).
    """

    mode: Literal["innovation", "personalisation"] | None = Field(
        None,
        description="innovation or personalisation. Default: innovation, except that a block "
        "which sets tolerated_churn or max_gamma without a mode is read as personalisation "
        "(files written before the innovation mode keep their meaning).",
    )
    rate: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Step size of the adjustment. innovation: appeal_p += rate * lag_p * "
        "(max_appeal - appeal_p), lag_p = 1 - share_p / leader's share; personalisation: "
        "gamma_p += rate * (churn_p - tolerated_churn) / tolerated_churn. Default 0 (off).",
    )
    max_appeal: float = Field(
        2.0, gt=0.0, le=100.0,
        description="innovation: ceiling of a platform's appeal (returns to innovation "
        "diminish toward it). Default 2 (chosen: twice the default appeal of 1; see "
        "docs/model.md 4.15).",
    )
    tolerated_churn: float = Field(
        0.01, gt=0.0, le=1.0,
        description="personalisation: share of its users a platform accepts losing per step. "
        "Default 0.01 (chosen; see docs/model.md).",
    )
    max_gamma: float = Field(3.0, ge=0.0, le=10.0,
                             description="personalisation: upper bound of adapted gamma. "
                             "Default 3 (chosen).")

    @model_validator(mode="after")
    def _mode(self):
        given = self.model_fields_set
        if self.mode is None:
            self.mode = ("personalisation" if given & set(PERSONALISATION_FIELDS)
                         else "innovation")
        other = INNOVATION_FIELDS if self.mode == "personalisation" else PERSONALISATION_FIELDS
        for name in other:  # a default value is harmless (resolved scenarios list every field)
            if name in given and getattr(self, name) != type(self).model_fields[name].default:
                raise field_error(name, f"applies to the other mode, not to mode "
                                  f"{self.mode!r}; remove it or change mode")
        return self


class TopicsSpec(Strict):
    """Several issues and pan-politicisation (泛政治化; used when population.topics > 1):
    each step one issue is discussed, drawn with probability proportional to its salience;
    traffic-first ranking raises the salience of divisive issues, and a change of opinion
    on the discussed issue spills over to the others (docs/model.md 3.17)."""

    salience_base: float = Field(
        1.0, gt=0.0, le=100.0,
        description="Salience every issue relaxes toward (and starts at). Only ratios of "
        "saliences matter. Default 1 (chosen: a unit scale).",
    )
    salience_decay: Probability = Field(
        0.05,
        description="Share of the gap to salience_base closed per step: s_k <- s_k + decay * "
        "(base - s_k) + gain * T * d_k. Default 0.05 (chosen: a half-life of about 14 steps, "
        "a news cycle of a few weeks at a step of a few days).",
    )
    salience_gain: float = Field(
        0.0, ge=0.0, le=100.0,
        description="Salience added per step per unit of divisiveness d_k (variance of the "
        "public's opinions on issue k, 1 = two camps at -1 and +1) and of the traffic-first "
        "exposure T (recommendation_share times the public's mean traffic_weight of their "
        "home platform). Default 0 (off: every issue keeps salience_base).",
    )
    spillover: float = Field(
        0.0, ge=0.0, le=1.0,
        description="After the step, each other issue j moves by spillover * (change of the "
        "opinion on the discussed issue), clipped to [-1, 1]: opinions on one issue are "
        "read into the others. Default 0 (off: independent issues).",
    )
    initial_opinion: InitialOpinion | None = Field(
        None,
        description="Distribution of the opinions on issues 1..K-1 at step 0 (issue 0 keeps "
        "population's, e.g. a divisive political issue beside milder economic, social or "
        "cultural ones). Default: each stratum's distribution of issue 0.",
    )
    initial_correlation: Probability = Field(
        0.0,
        description="Chance that a member of the public starts with the same opinion on "
        "issue j > 0 as on issue 0 (otherwise a fresh draw from initial_opinion): the "
        "initial correlation between issues. Default 0 (independent draws).",
    )


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
    silence: SilenceSpec = Field(
        default_factory=SilenceSpec, description="Spiral of silence. Default: off.")
    offline: OfflineSpec = Field(
        default_factory=OfflineSpec, description="Offline influence. Default: off.")
    follows: FollowsSpec = Field(
        default_factory=FollowsSpec, description="Follow dynamics. Default: a fixed network.")
    competition: CompetitionSpec = Field(
        default_factory=CompetitionSpec, description="Platform competition. Default: no migration.")
    adaptation: AdaptationSpec = Field(
        default_factory=AdaptationSpec,
        description="Unconscious adjustment of platforms (innovation or personalisation). "
        "Default: off.")
    incumbents: IncumbentsSpec = Field(
        default_factory=IncumbentsSpec,
        description="Incumbents adapt to compensation (re-institutionalised inequality). "
        "Default: off.")
    popularity_amplification: float = Field(
        0.0, ge=0.0, le=10.0,
        description="Technology power's Matthew effect: a post's ranking score is multiplied "
        "by (1 + followers / mean followers)^popularity_amplification, so recommendations "
        "amplify the already popular. Default 0 (off; chosen: no amplification beyond reach "
        "and engagement, the textbook limit).",
    )
    topics: TopicsSpec = Field(
        default_factory=TopicsSpec,
        description="Several issues: salience and pan-politicisation (with population.topics "
        "> 1). Default: equal salience, no spillover.")
    endogenous: EndogenousSpec = Field(
        default_factory=EndogenousSpec,
        description="Endogenous power: capital follows attention, access diffuses, "
        "platforms feed on their data and absorb the small, leaders harvest followers. "
        "Default: off.")
    coupling: CouplingSpec = Field(
        default_factory=CouplingSpec,
        description="Coupled powers: platform power over the outlet's reach, over whose "
        "voice weighs and over the agenda. Default: uncoupled.")


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


