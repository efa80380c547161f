"""Building a run's state from its scenario, before step 0.

:func:`build_state` does it in a fixed order, each part drawing from its own named
stream (so a part's randomness never depends on another's settings):

1. strata: counts by largest remainder, placed at random (stream ``population``);
2. the follow network (stream ``network``, :mod:`sim.engine.network`);
3. centre-periphery: the high-capital strata take the most-followed positions
   (stream ``centre_periphery``), when ``population.centre_periphery`` > 0;
4. the population's power and initial opinions (``population``,
   ``population.<stratum>``);
5. platforms and home platforms (``platforms``);
6. opinion leaders (``leaders``), bots (``bots``), mainstream outlets (``outlets``);
7. the derived weights (:meth:`EcologyState.refresh_weights`).

The mechanisms' own initial draws (e.g. silence thresholds) happen after this, in
their ``init`` hooks, in schedule order.
"""

from __future__ import annotations

import numpy as np

from sim.config import Scenario
from sim.config.population import InitialOpinion
from sim.engine.network import build_network
from sim.engine.state import EcologyState, Feed
from sim.engine.streams import RandomStreams


def build_state(spec: Scenario, streams: RandomStreams) -> EcologyState:
    """A new state for ``spec`` (see the module docstring for the order of the draws)."""
    pop = spec.population
    n = pop.size
    state = EcologyState(n=n, stratum_names=[s.name for s in pop.strata],
                         platform_names=[p.name for p in spec.platforms],
                         n_platforms=len(spec.platforms))
    counts = pop.stratum_counts()
    state.stratum = streams["population"].permutation(
        np.repeat(np.arange(counts.size, dtype=np.int16), counts))
    state.network = build_network(spec.network, n, state.stratum,
                                  streams.int_seed("network"))
    state.followers = state.network.follower_counts()
    if pop.centre_periphery > 0:
        _place_strata_by_capital(state, spec, streams["centre_periphery"])
    _init_population(state, spec, streams)
    _init_platforms(state, spec, streams["platforms"])
    _init_actors(state, spec, streams)
    state.reach_boost = np.ones(n)
    state.influence_factor = np.ones(n)
    state.refresh_weights(spec)
    state.feed = Feed.empty()
    state.climate = np.ones(n)
    state.silence_threshold = np.zeros(n)
    state.intervention_active = np.zeros(len(spec.interventions), dtype=bool)
    state.intervention_capture = np.zeros(len(spec.interventions))
    return state


def _place_strata_by_capital(state: EcologyState, spec: Scenario,
                             rng: np.random.Generator) -> None:
    """Centre-periphery: give the most-followed positions to the high-capital strata.

    Accounts are ranked by c * q_i + (1 - c) * u_i, with q_i the follower-count
    quantile of account i, u_i uniform and c = population.centre_periphery; the
    strata, in order of falling social capital, fill that ranking with their
    counts. c = 1 sorts strictly by followers; c -> 0 is random placement.
    """
    pop = spec.population
    n = state.n
    c = pop.centre_periphery
    quantile = np.argsort(np.argsort(state.followers, kind="stable"), kind="stable") / n
    rank_key = c * quantile + (1.0 - c) * rng.random(n)
    accounts = np.argsort(-rank_key, kind="stable")
    capital = np.array([s.social_capital for s in pop.strata])
    strata_order = np.argsort(-capital, kind="stable")
    counts = pop.stratum_counts()
    state.stratum = np.empty(n, dtype=np.int16)
    state.stratum[accounts] = np.repeat(strata_order, counts[strata_order]).astype(np.int16)


def draw_opinions(init: InitialOpinion, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` opinions from ``init``: uniform on [low, high], or normal clipped to
    [-1, 1]."""
    if init.distribution == "uniform":
        return rng.uniform(init.low, init.high, size)
    return np.clip(rng.normal(init.mean, init.sd, size), -1.0, 1.0)


def _init_population(state: EcologyState, spec: Scenario, streams: RandomStreams) -> None:
    pop = spec.population
    n = state.n
    by_stratum = {field: np.array([getattr(s, field) for s in pop.strata], dtype=np.float64)
                  for field in ("tech_access", "literacy", "social_capital")}
    state.tech_access = by_stratum["tech_access"][state.stratum]
    state.literacy = by_stratum["literacy"][state.stratum]
    state.social_capital = by_stratum["social_capital"][state.stratum]

    state.opinion = draw_opinions(pop.initial_opinion, streams["population"], n)
    for k, stratum in enumerate(pop.strata):
        if stratum.initial_opinion is not None:
            members = np.flatnonzero(state.stratum == k)
            state.opinion[members] = draw_opinions(
                stratum.initial_opinion, streams[f"population.{stratum.name}"], members.size)

    state.expressing = np.ones(n, dtype=bool)
    state.online = np.zeros(n, dtype=bool)
    state.posted = np.zeros(n, dtype=bool)
    state.post_weight = np.zeros(n, dtype=np.float64)
    state.spread_weight = np.zeros(n, dtype=np.float64)
    state.attention = np.zeros(n, dtype=np.float64)
    state.recent_attention = np.zeros(n, dtype=np.float64)
    state.impressions = np.zeros(n, dtype=np.float64)
    state.is_leader = np.zeros(n, dtype=bool)
    state.is_bot = np.zeros(n, dtype=bool)
    state.is_outlet = np.zeros(n, dtype=bool)


def _init_platforms(state: EcologyState, spec: Scenario, rng: np.random.Generator) -> None:
    specs = spec.platforms
    for field in ("appeal", "stickiness", "traffic_weight", "gamma", "redistribution"):
        setattr(state, f"platform_{field}",
                np.array([getattr(p, field) for p in specs], dtype=np.float64))
    state.platform_diversity_quota = np.zeros(state.n_platforms)  # set by algorithm_reform
    state.platform_commercial = np.array([p.kind == "commercial" for p in specs])
    state.platform_churn = np.full(state.n_platforms, np.nan)
    state.platform_data_multiplier = np.full(state.n_platforms, np.nan)  # data feedback
    state.platform_recommendation_share = np.full(
        state.n_platforms, float(getattr(spec.dynamics, "recommendation_share", 0.0)))
    state.platform_stance = np.array([p.stance.position if p.stance else np.nan for p in specs])
    state.platform_stance_weight = np.array([p.stance.weight if p.stance else 0.0
                                             for p in specs])
    state.platform_entrant = np.zeros(state.n_platforms, dtype=bool)  # set by new_entrant
    shares = np.array([p.share for p in specs])
    home = rng.choice(state.n_platforms, size=state.n, p=shares / shares.sum())
    state.home_platform = home.astype(np.int16)


def _init_actors(state: EcologyState, spec: Scenario, streams: RandomStreams) -> None:
    """Leaders (top followers or random), bots (a random priority, leaders skipped) and
    the outlets of mainstream platforms (their own priority, leaders and bots skipped)."""
    n = state.n
    leaders = spec.leaders
    n_leaders = spec.leader_count  # counts resolved against n (per-capita actors)
    if n_leaders and leaders.selection == "top_followers":
        chosen = np.argsort(-state.followers, kind="stable")[:n_leaders]
    else:
        chosen = streams["leaders"].choice(n, size=n_leaders, replace=False)
    state.leader_accounts = np.sort(chosen).astype(np.int64)
    state.is_leader[state.leader_accounts] = True
    state.leader_agenda = leaders.agendas(n_leaders).astype(np.float64)
    state.leader_stubbornness = np.full(n_leaders, leaders.stubbornness)

    # a random priority over all accounts, leaders skipped: the number of leaders
    # changes which accounts become bots only where a leader took a bot's place
    priority = streams["bots"].permutation(n)
    bot_counts = spec.bot_counts
    free = priority[~state.is_leader[priority]][:sum(bot_counts)]
    platform_index = {p.name: i for i, p in enumerate(spec.platforms)}
    start = 0
    bots, volumes = [], []
    for campaign, count in zip(spec.bots, bot_counts, strict=True):
        accounts = np.sort(free[start : start + count])
        start += count
        state.is_bot[accounts] = True
        state.opinion[accounts] = campaign.stance
        if campaign.platform is not None:
            state.home_platform[accounts] = platform_index[campaign.platform]
        bots.append(accounts)
        volumes.append(np.full(accounts.size, campaign.volume))
    state.bot_accounts = np.concatenate(bots) if bots else np.zeros(0, dtype=np.int64)
    state.bot_volume = np.concatenate(volumes) if volumes else np.zeros(0)

    # mainstream outlets: accounts by their own priority, skipping leaders and bots
    priority = streams["outlets"].permutation(n)
    free = priority[~(state.is_leader | state.is_bot)[priority]]
    start = 0
    outlets, reach, stances = [], [], []
    for index, (platform, count) in enumerate(zip(spec.platforms, spec.outlet_counts,
                                                  strict=True)):
        if count == 0:
            continue
        outlet = platform.outlet
        accounts = np.sort(free[start : start + count])
        start += count
        state.is_outlet[accounts] = True
        state.opinion[accounts] = outlet.stance
        state.home_platform[accounts] = index
        outlets.append(accounts)
        reach.append(np.full(accounts.size, outlet.reach))
        stances.append(np.full(accounts.size, outlet.stance))
    state.outlet_accounts = np.concatenate(outlets) if outlets else np.zeros(0, np.int64)
    state.outlet_reach = np.concatenate(reach) if reach else np.zeros(0)

    bot_stances = [np.full(a.size, c.stance) for a, c in zip(bots, spec.bots, strict=True)]
    fixed = [*bots, *outlets]
    state.fixed_accounts = np.concatenate(fixed) if fixed else np.zeros(0, np.int64)
    state.fixed_stance = np.concatenate([*bot_stances, *stances]) if fixed else np.zeros(0)
    state.is_public = ~(state.is_leader | state.is_bot | state.is_outlet)
    state.is_reader = state.is_public | state.is_leader
    state.n_public = int(np.count_nonzero(state.is_public))
    lead = state.leader_accounts
    state.opinion[lead] = state.leader_agenda * leaders.stubbornness + (
        1.0 - leaders.stubbornness) * state.opinion[lead]
