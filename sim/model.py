"""The opinion-ecology model: a ``mesa.Model`` whose users live in numpy arrays.

Construct from a validated :class:`~sim.scenario.Scenario` and an integer seed::

    model = OpinionEcologyModel(load_scenario("scenarios/baseline.yaml"), rng=42)
    model.run_for(100)
    frame = model.metrics_frame()

One step runs ``model.phases`` in order (see :mod:`sim.phases`), then records
every registered metric (see :mod:`sim.metrics`). Metrics of the initial state
are recorded as step 0.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from sim.agents import BotCampaign, MainstreamOutlet, OpinionLeader, Platform, UserView
from sim.loop import DEFAULT_PHASES
from sim.metrics import (
    OPINION_BINS,
    PLATFORM_FIELDS,
    REGISTRY,
    STRATUM_FIELDS,
    GroupBuffer,
    MetricsBuffer,
    Snapshot,
    lorenz_curve,
    opinion_bin_centres,
    opinion_histogram,
    platform_values,
    stratum_values,
)
from sim.network import FollowNetwork, build_network
from sim.phases import Feed, Phase
from sim.scenario import Scenario
from sim.streams import RandomStreams


def phases_for(scenario: Scenario) -> tuple[type[Phase], ...]:
    """The step's phases: the ecology's (sim.loop), or the one phase of a classic model."""
    if scenario.dynamics.model == "bounded_confidence":
        return DEFAULT_PHASES
    from sim.classic import CLASSIC_PHASES  # local: classic models import the phases module

    return (CLASSIC_PHASES[scenario.dynamics.model],)


class OpinionEcologyModel(mesa.Model):
    """Users, platforms, opinion leaders and bots on a follow network.

    Per-account state arrays (length ``n``): ``opinion`` in [-1, 1], ``stratum``,
    ``tech_access``, ``literacy``, ``social_capital``, ``expressing``, ``online``,
    ``posted``, ``post_chance``, ``post_weight``, ``spread_weight``, ``home_platform``,
    ``followers``, ``reach``, ``influence``, ``impressions`` (this step), ``attention``
    (cumulative), ``recent_attention`` (decaying), ``climate`` and ``silence_threshold``
    (spiral of silence); role masks ``is_public``, ``is_leader``, ``is_bot``,
    ``is_outlet``, ``is_reader`` (public and leaders). Per-platform arrays (length
    ``n_platforms``): ``platform_appeal``, ``platform_stickiness``,
    ``platform_traffic_weight``, ``platform_gamma``, ``platform_redistribution``.
    ``spec`` is the scenario with ``run.seed`` set to the seed in use.
    """

    def __init__(self, scenario: Scenario, rng: int | None = None) -> None:
        seed = scenario.run.seed if rng is None else int(rng)
        super().__init__(rng=seed)
        if seed != scenario.run.seed:  # keep spec replayable: it records the seed in use
            scenario = scenario.model_copy(
                update={"run": scenario.run.model_copy(update={"seed": seed})}
            )
        # `self.scenario` belongs to Mesa (its experimental Scenario); ours is `spec`
        self.spec = scenario
        self.seed = seed
        self.streams = RandomStreams(seed)
        self.step_count = 0
        self.phases: list[Phase] = [phase() for phase in phases_for(scenario)]

        self._init_strata()
        self.network: FollowNetwork = build_network(
            scenario.network, self.n, self.stratum, self.streams.int_seed("network")
        )
        self.followers = self.network.follower_counts()
        if scenario.population.centre_periphery > 0:
            self._place_strata_by_capital()
        self._init_population()
        self._init_platforms()
        self._init_leaders_and_bots()
        self.reach_boost = np.ones(self.n)  # interventions amplifying voices multiply reach
        self.bot_factor = 1.0  # interventions against manipulation scale bots' reach and influence
        self.refresh_weights()
        self.feed = Feed.empty()
        for phase in self.phases:
            phase.init(self)

        capacity = scenario.run.steps + 1
        self.metrics = MetricsBuffer(list(REGISTRY), capacity=capacity)
        self.stratum_metrics = GroupBuffer(self.stratum_names, STRATUM_FIELDS, capacity)
        self.platform_metrics = GroupBuffer([p.name for p in self.platforms], PLATFORM_FIELDS,
                                            capacity)
        labels = [item.name for item in getattr(self, "interventions", [])]
        labels = [f"{name}#{k}" if labels.count(name) > 1 else name
                  for k, name in enumerate(labels)]
        self.intervention_log = GroupBuffer(labels, ("active",), capacity)
        self.opinion_histogram = MetricsBuffer(  # for figures: share of the public per bin
            [f"{c:.3f}" for c in opinion_bin_centres()], capacity, row_shape=(OPINION_BINS,))
        self._record_metrics()

    # ------------------------------------------------------------------ setup

    def _init_strata(self) -> None:
        """Stratum of each account: counts by largest remainder, placed at random."""
        pop = self.spec.population
        self.n = pop.size
        self.stratum_names = [s.name for s in pop.strata]
        counts = pop.stratum_counts()
        self.stratum = self.streams["population"].permutation(
            np.repeat(np.arange(counts.size, dtype=np.int16), counts)
        )

    def _place_strata_by_capital(self) -> None:
        """Centre-periphery: give the most-followed positions to the high-capital strata.

        Accounts are ranked by c * q_i + (1 - c) * u_i, with q_i the follower-count
        quantile of account i, u_i uniform and c = population.centre_periphery; the
        strata, in order of falling social capital, fill that ranking with their
        counts. c = 1 sorts strictly by followers; c -> 0 is random placement.
        """
        pop = self.spec.population
        rng = self.streams["centre_periphery"]
        c = pop.centre_periphery
        quantile = np.argsort(np.argsort(self.followers, kind="stable"), kind="stable") / self.n
        rank_key = c * quantile + (1.0 - c) * rng.random(self.n)
        accounts = np.argsort(-rank_key, kind="stable")
        capital = np.array([s.social_capital for s in pop.strata])
        strata_order = np.argsort(-capital, kind="stable")
        counts = pop.stratum_counts()
        self.stratum = np.empty(self.n, dtype=np.int16)
        self.stratum[accounts] = np.repeat(strata_order, counts[strata_order]).astype(np.int16)

    def _init_population(self) -> None:
        pop = self.spec.population
        rng = self.streams["population"]
        by_stratum = {
            field: np.array([getattr(s, field) for s in pop.strata], dtype=np.float64)
            for field in ("tech_access", "literacy", "social_capital")
        }
        self.tech_access = by_stratum["tech_access"][self.stratum]
        self.literacy = by_stratum["literacy"][self.stratum]
        self.social_capital = by_stratum["social_capital"][self.stratum]

        self.opinion = self._draw_opinions(pop.initial_opinion, rng, self.n)
        for k, stratum in enumerate(pop.strata):
            if stratum.initial_opinion is not None:
                members = np.flatnonzero(self.stratum == k)
                self.opinion[members] = self._draw_opinions(
                    stratum.initial_opinion, self.streams[f"population.{stratum.name}"],
                    members.size,
                )

        self.expressing = np.ones(self.n, dtype=bool)
        self.online = np.zeros(self.n, dtype=bool)
        self.posted = np.zeros(self.n, dtype=bool)
        self.post_weight = np.zeros(self.n, dtype=np.float64)
        self.spread_weight = np.zeros(self.n, dtype=np.float64)
        self.attention = np.zeros(self.n, dtype=np.float64)
        self.recent_attention = np.zeros(self.n, dtype=np.float64)
        self.impressions = np.zeros(self.n, dtype=np.float64)
        self.is_leader = np.zeros(self.n, dtype=bool)
        self.is_bot = np.zeros(self.n, dtype=bool)
        self.is_outlet = np.zeros(self.n, dtype=bool)

    @staticmethod
    def _draw_opinions(init, rng: np.random.Generator, size: int) -> np.ndarray:
        if init.distribution == "uniform":
            return rng.uniform(init.low, init.high, size)
        return np.clip(rng.normal(init.mean, init.sd, size), -1.0, 1.0)

    def _init_platforms(self) -> None:
        rng = self.streams["platforms"]
        specs = self.spec.platforms
        self.n_platforms = len(specs)
        self.platforms = [Platform(self, i, p) for i, p in enumerate(specs)]
        for field in ("appeal", "stickiness", "traffic_weight", "gamma", "redistribution"):
            setattr(self, f"platform_{field}",
                    np.array([getattr(p, field) for p in specs], dtype=np.float64))
        self.platform_diversity_quota = np.zeros(self.n_platforms)  # set by algorithm_reform
        shares = np.array([p.share for p in specs])
        self.home_platform = rng.choice(self.n_platforms, size=self.n, p=shares / shares.sum())
        self.home_platform = self.home_platform.astype(np.int16)

    def _init_leaders_and_bots(self) -> None:
        spec = self.spec.leaders
        if spec.count and spec.selection == "top_followers":
            leaders = np.argsort(-self.followers, kind="stable")[: spec.count]
        else:
            leaders = self.streams["leaders"].choice(self.n, size=spec.count, replace=False)
        self.leader_accounts = np.sort(leaders).astype(np.int64)
        self.is_leader[self.leader_accounts] = True
        agendas = spec.agendas()
        self.leaders = [
            OpinionLeader(self, acc, agendas[k], spec.reach, spec.activity, spec.stubbornness)
            for k, acc in enumerate(self.leader_accounts)
        ]
        self.leader_agenda = np.array([ld.agenda for ld in self.leaders], dtype=np.float64)
        self.leader_stubbornness = np.full(len(self.leaders), spec.stubbornness)

        self.bot_campaigns: list[BotCampaign] = []
        # a random priority over all accounts, leaders skipped: the number of leaders
        # changes which accounts become bots only where a leader took a bot's place
        priority = self.streams["bots"].permutation(self.n)
        total_bots = sum(c.count for c in self.spec.bots)
        chosen = priority[~self.is_leader[priority]][:total_bots]
        platform_index = {p.name: i for i, p in enumerate(self.spec.platforms)}
        start = 0
        for campaign in self.spec.bots:
            accounts = np.sort(chosen[start : start + campaign.count])
            start += campaign.count
            self.is_bot[accounts] = True
            self.opinion[accounts] = campaign.stance
            if campaign.platform is not None:
                self.home_platform[accounts] = platform_index[campaign.platform]
            self.bot_campaigns.append(
                BotCampaign(self, campaign.name, accounts, campaign.stance, campaign.volume)
            )
        bots = [c.accounts for c in self.bot_campaigns]
        self.bot_accounts = np.concatenate(bots) if bots else np.zeros(0, dtype=np.int64)

        # mainstream outlets: accounts by their own priority, skipping leaders and bots
        self.outlets: list[MainstreamOutlet] = []
        priority = self.streams["outlets"].permutation(self.n)
        free = priority[~(self.is_leader | self.is_bot)[priority]]
        start = 0
        for index, platform in enumerate(self.spec.platforms):
            if platform.outlet is None or platform.outlet.accounts == 0:
                continue
            outlet = platform.outlet
            accounts = np.sort(free[start : start + outlet.accounts])
            start += outlet.accounts
            self.is_outlet[accounts] = True
            self.opinion[accounts] = outlet.stance
            self.home_platform[accounts] = index
            self.outlets.append(
                MainstreamOutlet(self, platform.name, accounts, outlet.stance, outlet.reach)
            )
        pieces = [o.accounts for o in self.outlets]
        self.outlet_accounts = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
        fixed = [(c.accounts, c.stance) for c in self.bot_campaigns] + [
            (o.accounts, o.stance) for o in self.outlets
        ]
        self.fixed_accounts = np.concatenate([a for a, _ in fixed]) if fixed else np.zeros(
            0, np.int64)
        self.fixed_stance = np.concatenate([np.full(a.size, st) for a, st in fixed]) if fixed \
            else np.zeros(0)
        self.is_public = ~(self.is_leader | self.is_bot | self.is_outlet)
        self.is_reader = self.is_public | self.is_leader
        self.n_public = int(np.count_nonzero(self.is_public))
        self.opinion[self.leader_accounts] = self.leader_agenda * spec.stubbornness + (
            1.0 - spec.stubbornness
        ) * self.opinion[self.leader_accounts]

    def refresh_weights(self) -> None:
        """Chance to post, post weight in feeds (reach) and weight in updates (influence),
        from literacy, social capital, reach_boost and the actors' parameters. Called at
        build time and by interventions that change any of these."""
        dyn = self.spec.dynamics
        self.post_chance = getattr(dyn, "post_rate", 1.0) * self.literacy
        self.reach = self.literacy * self.reach_boost
        self.influence = self.social_capital.copy()
        lead = self.leader_accounts
        self.post_chance[lead] = self.spec.leaders.activity
        self.reach[lead] = self.spec.leaders.reach
        self.influence[lead] = self.social_capital[lead] * self.spec.leaders.reach
        for campaign in self.bot_campaigns:
            self.post_chance[campaign.accounts] = 1.0
            self.reach[campaign.accounts] = campaign.volume * self.bot_factor
            self.influence[campaign.accounts] = self.bot_factor
        for outlet in self.outlets:
            self.post_chance[outlet.accounts] = 1.0
            self.reach[outlet.accounts] = outlet.reach
            self.influence[outlet.accounts] = outlet.reach

    # ------------------------------------------------------------------ stepping

    def step(self) -> None:
        """One step: the phases in order, then the metrics."""
        for phase in self.phases:
            phase.step(self)
        self._record_metrics(self.step_count + 1)
        self.step_count += 1

    def _record_metrics(self, step: int = 0) -> None:
        snap = Snapshot(self)
        self.metrics.append(step, [snap.value(name) for name in self.metrics.names])
        self.stratum_metrics.append(step, stratum_values(snap))
        self.platform_metrics.append(step, platform_values(snap))
        active = getattr(self, "intervention_active", np.zeros(0, dtype=bool))
        self.intervention_log.append(step, active[:, None].astype(np.float64) if step else
                                     np.zeros((active.size, 1)))
        self.opinion_histogram.append(step, opinion_histogram(snap))

    # ------------------------------------------------------------------ inspection

    def metrics_frame(self) -> pd.DataFrame:
        """All recorded metrics, one row per step (step 0 = initial state)."""
        frame = pd.DataFrame(self.metrics.values, columns=self.metrics.names)
        frame.insert(0, "step", self.metrics.steps)
        return frame

    def strata_frame(self) -> pd.DataFrame:
        """Per-stratum metrics, one row per (step, stratum): silent_share, online_share,
        voice_share, opinion_mean (see sim.metrics.stratum_values)."""
        return self.stratum_metrics.frame("stratum")

    def platforms_frame(self) -> pd.DataFrame:
        """Per-platform metrics, one row per (step, platform): user_share, impression_share,
        opinion_mean (see sim.metrics.platform_values)."""
        return self.platform_metrics.frame("platform")

    def interventions_frame(self) -> pd.DataFrame:
        """One row per (step, intervention): ``active`` is 1 if it acted in the step."""
        return self.intervention_log.frame("intervention")

    # ------------------------------------------------------------ figure data

    def opinions_frame(self) -> pd.DataFrame:
        """Share of the public per opinion bin, one row per step; one column per bin, named
        by its centre (40 bins of width 0.05 on [-1, 1]; sim.metrics.opinion_histogram)."""
        frame = pd.DataFrame(self.opinion_histogram.values, columns=self.opinion_histogram.names)
        frame.insert(0, "step", self.opinion_histogram.steps)
        return frame

    def attention_lorenz_frame(self, points: int = 101) -> pd.DataFrame:
        """Lorenz curve of the people's recent attention now (the distribution behind
        attention_gini and attention_top1_share): population_share, attention_share."""
        p, share = lorenz_curve(Snapshot(self).people_attention, points)
        return pd.DataFrame({"population_share": p, "attention_share": share})

    def network_sample(self, size: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(nodes, edges) of a snowball sample of ``size`` accounts and the follow ties
        among them (sim.sampling; its own random stream, so the run is unchanged)."""
        from sim.sampling import network_sample

        return network_sample(self, size)

    def latest_metrics(self) -> dict[str, float]:
        return self.metrics.last()

    def user(self, i: int) -> UserView:
        """A read-only view of account ``i``."""
        i = int(i)
        if not 0 <= i < self.n:
            raise IndexError(f"account {i} out of range 0..{self.n - 1}")
        role = ("leader" if self.is_leader[i] else "bot" if self.is_bot[i]
                else "outlet" if self.is_outlet[i] else "public")
        return UserView(
            id=i,
            opinion=float(self.opinion[i]),
            stratum=self.stratum_names[self.stratum[i]],
            tech_access=float(self.tech_access[i]),
            literacy=float(self.literacy[i]),
            social_capital=float(self.social_capital[i]),
            expressing=bool(self.expressing[i]),
            online=bool(self.online[i]),
            home_platform=self.platforms[self.home_platform[i]].name,
            followers=int(self.followers[i]),
            following=int(self.network.indptr[i + 1] - self.network.indptr[i]),
            attention=float(self.attention[i]),
            role=role,
        )
