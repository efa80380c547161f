"""The declared state of a run: every array that changes, in one place, with its meaning.

:class:`EcologyState` holds the per-account arrays (length ``n``, one row per
account), the per-platform arrays (length ``n_platforms``), the follow network and
the step's feed. :mod:`sim.engine.build` fills it from a scenario; the mechanisms
(:mod:`sim.engine.mechanisms`) read and update it; the metrics read it. Nothing else
holds run state: the Mesa agents (:mod:`sim.engine.agents`) are views onto these
arrays, and ``model.state`` is the one instance of a model.

The mechanisms see the model through :class:`Ecology`: the scenario (read-only), the
named random streams, this state, the step counter and the latest metrics.

The reference of every field (``docs/reference/state.md``) is generated from the
declarations below: each field's ``doc`` metadata is its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:  # typing only: the state never builds a network or a scenario
    from sim.config import Scenario
    from sim.engine.network import FollowNetwork
    from sim.engine.streams import RandomStreams


def _no_ids() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _no_values() -> np.ndarray:
    return np.zeros(0, dtype=np.float64)


def _no_flags() -> np.ndarray:
    return np.zeros(0, dtype=bool)


def declared(kind: str, dtype: str, doc: str, default=_no_values) -> Any:
    """A state field: ``kind`` is account, platform, actor, structure or scalar; ``dtype``
    and ``doc`` go to the generated reference."""
    if callable(default):
        return field(default_factory=default, metadata={"kind": kind, "dtype": dtype,
                                                        "doc": doc})
    return field(default=default, metadata={"kind": kind, "dtype": dtype, "doc": doc})


@dataclass
class Feed:
    """What was read this step: one entry per (reader, post) impression."""

    reader: np.ndarray  # int64 account ids
    source: np.ndarray  # int64 account ids of the authors
    recommended: np.ndarray  # bool: came from the platform rather than a followee

    @classmethod
    def empty(cls) -> Feed:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none.copy(), np.zeros(0, dtype=bool))

    @property
    def size(self) -> int:
        return int(self.reader.size)


@dataclass(eq=False)
class EcologyState:
    """Everything that changes in a run (see the module docstring)."""

    # ---------------------------------------------------------------- sizes and labels
    n: int = declared("scalar", "int", "Number of accounts (public, leaders, bots, outlets).", 0)
    n_public: int = declared("scalar", "int", "Number of members of the public.", 0)
    n_platforms: int = declared("scalar", "int", "Number of platforms.", 0)
    stratum_names: list[str] = declared(
        "scalar", "list[str]", "Stratum labels, in scenario order (index = stratum code).",
        list)
    platform_names: list[str] = declared(
        "scalar", "list[str]", "Platform labels, in scenario order (index = platform code).",
        list)

    # ---------------------------------------------------------------- per account: who
    stratum: np.ndarray = declared("account", "int16", "Index of the account's stratum.")
    is_public: np.ndarray = declared(
        "account", "bool", "Member of the public: neither leader, bot nor outlet.", _no_flags)
    is_leader: np.ndarray = declared("account", "bool", "Owned by an opinion leader.",
                                     _no_flags)
    is_bot: np.ndarray = declared("account", "bool", "Run by a bot campaign.", _no_flags)
    is_outlet: np.ndarray = declared("account", "bool", "Run by a mainstream outlet.",
                                     _no_flags)
    is_reader: np.ndarray = declared(
        "account", "bool", "Reads a feed: the public and leaders (bots and outlets only post).",
        _no_flags)

    # ---------------------------------------------------------------- per account: power
    tech_access: np.ndarray = declared(
        "account", "float64", "Probability of being online in a step (technology power; "
        "interventions may raise it).")
    literacy: np.ndarray = declared(
        "account", "float64", "Digital literacy: scales the chance to post and the reach of "
        "posts.")
    social_capital: np.ndarray = declared(
        "account", "float64", "Social power: weight in readers' updates and climate, "
        "courage to speak.")
    reach_boost: np.ndarray = declared(
        "account", "float64", "Multiplier of reach set by interventions that amplify voices "
        "(1 = none).")
    influence_factor: np.ndarray = declared(
        "account", "float64", "Multiplier of influence set by coupled powers: ranking over "
        "capital (1 = none; mechanisms/coupling.py).")
    post_chance: np.ndarray = declared(
        "account", "float64", "Chance to post when online and expressing (refresh_weights).")
    reach: np.ndarray = declared(
        "account", "float64", "Weight of a post in feeds and recommendations "
        "(refresh_weights).")
    influence: np.ndarray = declared(
        "account", "float64", "Weight of the author in readers' updates and climate "
        "(refresh_weights).")

    # ---------------------------------------------------------------- per account: state
    opinion: np.ndarray = declared("account", "float64", "Opinion in [-1, 1].")
    expressing: np.ndarray = declared(
        "account", "bool", "Willing to speak (spiral of silence); silent accounts do not post.",
        _no_flags)
    online: np.ndarray = declared("account", "bool", "Online in this step.", _no_flags)
    posted: np.ndarray = declared("account", "bool", "Posted in this step.", _no_flags)
    post_weight: np.ndarray = declared(
        "account", "float64", "posted * reach: the post's weight in platform ranking.")
    spread_weight: np.ndarray = declared(
        "account", "float64", "The post's weight in followers' feeds (post-truth may raise "
        "it above post_weight).")
    home_platform: np.ndarray = declared("account", "int16", "Index of the home platform.")
    followers: np.ndarray = declared(
        "account", "int64", "Number of follow ties pointing at the account (in-degree).",
        _no_ids)
    impressions: np.ndarray = declared(
        "account", "float64", "Feed entries showing the account's post in this step.")
    attention: np.ndarray = declared(
        "account", "float64", "Impressions received since step 0.")
    recent_attention: np.ndarray = declared(
        "account", "float64", "Impressions received, decaying with "
        "metrics.attention_halflife.")
    climate: np.ndarray = declared(
        "account", "float64", "Perceived opinion climate: share of recently seen posts on "
        "one's side (starts at 1).")
    silence_threshold: np.ndarray = declared(
        "account", "float64", "Climate below which a member of the public falls silent "
        "(drawn by the spiral of silence's init, after the build; 0 without it).")
    silence_base: np.ndarray = declared(
        "account", "float64", "Personal base b of the silence threshold, before social "
        "capital (theta = min(1, b * capital^-capital_sensitivity)); drawn by the spiral of "
        "silence's init (empty without it). social_empowerment recomputes theta from it.")

    # ---------------------------------------------------------------- several issues
    topic_opinion: np.ndarray | None = declared(
        "structure", "float64 (topics, n)", "Several issues (population.topics > 1): row k "
        "holds every account's opinion on issue k; ``opinion`` is a view onto the row of the "
        "issue discussed in the step. None with one issue.", None)
    topic_salience: np.ndarray = declared(
        "structure", "float64 (topics)", "Salience of each issue: the discussed issue is "
        "drawn with probability proportional to it. Empty with one issue.")
    discussed_topic: int = declared(
        "scalar", "int", "Index of the issue discussed in the step (0 with one issue).", 0)
    topic_before: np.ndarray = declared(
        "structure", "float64", "Opinions on the discussed issue at the start of the step "
        "(for the spillover). Empty with one issue.")

    # ---------------------------------------------------------------- classic models
    raw_opinion: np.ndarray = declared(
        "account", "float64", "Echo chamber only: the unbounded opinion x; opinion = "
        "tanh(x). Empty otherwise.")
    activity: np.ndarray = declared(
        "account", "float64", "Echo chamber only: chance to be active in a step. Empty "
        "otherwise.")

    # ---------------------------------------------------------------- per platform
    platform_appeal: np.ndarray = declared(
        "platform", "float64", "Attractiveness to users who reconsider their platform "
        "(innovation raises it).")
    platform_stickiness: np.ndarray = declared(
        "platform", "float64", "Retention: users reconsider with chance rate * (1 - "
        "stickiness).")
    platform_traffic_weight: np.ndarray = declared(
        "platform", "float64", "Share of the ranking score driven by engagement (traffic "
        "first).")
    platform_gamma: np.ndarray = declared(
        "platform", "float64", "Algorithmic bias of recommendations (adaptation and "
        "interventions move it).")
    platform_redistribution: np.ndarray = declared(
        "platform", "float64", "Share of recommendation slots given to mainstream outlets.")
    platform_diversity_quota: np.ndarray = declared(
        "platform", "float64", "Share of biased recommendation slots filled without bias "
        "(algorithm_reform).")
    platform_commercial: np.ndarray = declared(
        "platform", "bool", "kind is commercial (not a mainstream outlet's app).", _no_flags)
    platform_recommendation_share: np.ndarray = declared(
        "platform", "float64", "Share of its users' feed slots the platform fills with "
        "recommendations (dynamics.recommendation_share; coupling raises it with "
        "concentration).")
    platform_churn: np.ndarray = declared(
        "platform", "float64", "Share of the platform's users who left in the last step with "
        "migration; NaN before the first.")
    platform_stance: np.ndarray = declared(
        "platform", "float64", "Position each platform's ranking favours (its interest; "
        "NaN for a neutral platform without a stance).")
    platform_stance_weight: np.ndarray = declared(
        "platform", "float64", "Strength of the favour: ranking score times "
        "exp(-weight * |x_k - stance|); 0 = neutral ranking.")
    platform_entrant: np.ndarray = declared(
        "platform", "bool", "Opened by a new_entrant intervention (closed until it begins).",
        _no_flags)
    platform_data_multiplier: np.ndarray = declared(
        "platform", "float64", "Data-monopoly feedback: each platform's last appeal "
        "multiplier (1 + share / mean share)^data_feedback; NaN until the first step "
        "with dynamics.endogenous.data_feedback > 0.")

    # ---------------------------------------------------------------- actors
    leader_accounts: np.ndarray = declared("actor", "int64", "Leaders' accounts, sorted.",
                                           _no_ids)
    leader_agenda: np.ndarray = declared("actor", "float64",
                                         "Agenda of each leader (leader_accounts order).")
    leader_stubbornness: np.ndarray = declared(
        "actor", "float64", "Share of the gap to its agenda a leader closes each step.")
    bot_accounts: np.ndarray = declared(
        "actor", "int64", "Bot accounts, campaign by campaign.", _no_ids)
    bot_volume: np.ndarray = declared(
        "actor", "float64", "Volume (reach before bot_factor) of each bot (bot_accounts "
        "order).")
    bot_factor: float = declared(
        "scalar", "float", "Multiplier of bots' reach and influence (real-name display "
        "lowers it).", 1.0)
    exposure_cost: float = declared(
        "scalar", "float", "Added silence threshold of low-capital members of the public whose "
        "opinion is against the visible climate (real_name_ip_display's exposure_cost while "
        "active; 0 otherwise).", 0.0)
    outlet_accounts: np.ndarray = declared(
        "actor", "int64", "Mainstream outlets' accounts, platform by platform.", _no_ids)
    outlet_reach: np.ndarray = declared(
        "actor", "float64", "Reach and influence of each outlet account.")
    outlet_factor: float = declared(
        "scalar", "float", "Multiplier of the outlets' reach and influence set by coupled "
        "powers: platform power over the outlet (1 = none).", 1.0)
    fixed_accounts: np.ndarray = declared(
        "actor", "int64", "Accounts with a fixed stance: bots, then outlets.", _no_ids)
    fixed_stance: np.ndarray = declared("actor", "float64",
                                        "Stance of each fixed account.")

    # ---------------------------------------------------------------- structures
    network: FollowNetwork | None = declared(
        "structure", "FollowNetwork", "Follow ties, CSR reader -> followees "
        "(sim.engine.network).", None)
    feed: Feed = declared("structure", "Feed", "This step's impressions (reader, source, "
                          "recommended).", Feed.empty)
    intervention_active: np.ndarray = declared(
        "structure", "bool", "Per intervention of the scenario: acted in this step.",
        _no_flags)
    intervention_capture: np.ndarray = declared(
        "structure", "float64", "Per intervention of the scenario: share kappa of its effect "
        "captured by incumbents (dynamics.incumbents; amplify_periphery, algorithm_reform, "
        "traffic_cap only; 0 without it).")

    # ---------------------------------------------------------------- derived values

    def refresh_weights(self, spec: Scenario) -> None:
        """post_chance, reach and influence from literacy, social capital, reach_boost,
        bot_factor and the actors' parameters. Called at build time and by interventions
        that change any of these.

        public: post_chance = post_rate * literacy, reach = literacy * reach_boost,
        influence = social_capital * influence_factor; leaders: activity, reach *
        reach_boost (the boost of leaders is 1 unless incumbents capture an
        amplification), social_capital * reach * influence_factor; bots: 1, volume *
        bot_factor, bot_factor; outlets: 1, reach * outlet_factor, reach * outlet_factor
        (both factors are 1 unless powers are coupled, and a product with 1 is exact).
        """
        self.post_chance = getattr(spec.dynamics, "post_rate", 1.0) * self.literacy
        self.reach = self.literacy * self.reach_boost
        self.influence = self.social_capital * self.influence_factor
        lead = self.leader_accounts
        self.post_chance[lead] = spec.leaders.activity
        self.reach[lead] = spec.leaders.reach * self.reach_boost[lead]
        self.influence[lead] = (self.social_capital[lead] * spec.leaders.reach
                                * self.influence_factor[lead])
        bots = self.bot_accounts
        self.post_chance[bots] = 1.0
        self.reach[bots] = self.bot_volume * self.bot_factor
        self.influence[bots] = self.bot_factor
        outlets = self.outlet_accounts
        self.post_chance[outlets] = 1.0
        self.reach[outlets] = self.outlet_reach * self.outlet_factor
        self.influence[outlets] = self.outlet_reach * self.outlet_factor

    def platform_shares(self) -> np.ndarray:
        """Share of the public whose home is each platform."""
        counts = np.bincount(self.home_platform[self.is_public], minlength=self.n_platforms)
        return counts / max(1, self.n_public)


def state_fields() -> list[tuple[str, str, str, str]]:
    """(name, kind, dtype, doc) of every declared field, in declaration order."""
    return [(f.name, f.metadata["kind"], f.metadata["dtype"], f.metadata["doc"])
            for f in fields(EcologyState)]


class Ecology(Protocol):
    """What a mechanism sees of the model (``OpinionEcologyModel`` is one)."""

    spec: Scenario
    """The scenario, validated; ``spec.run.seed`` is the seed in use. Read-only."""
    streams: RandomStreams
    """Named random streams (``streams["exposure"]``): one per mechanism."""
    state: EcologyState
    """The run's arrays."""
    steps: int
    """Mesa's step counter: inside a step, the number of the step being run (1, 2, ...)."""

    def latest_metrics(self) -> dict[str, float]:
        """The metrics recorded at the end of the previous step (step 0: the initial
        state)."""
        ...
