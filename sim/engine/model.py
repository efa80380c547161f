"""The opinion-ecology model: a ``mesa.Model`` whose users live in numpy arrays.

Construct from a scenario (a validated :class:`~sim.config.Scenario`, a file path, or
the name of a shipped scenario) and a seed::

    model = OpinionEcologyModel("scenarios/baseline.yaml", rng=42,
                                overrides={"population.size": 2000})
    model.run_for(100)
    frame = model.metrics_frame()

Mesa idioms: ``model.steps`` counts the steps run; ``model.running`` turns False once
``run.steps`` steps have run (SolaraViz's Play and ``mesa.batch_run`` stop there);
``model.datacollector`` is a ``mesa.DataCollector`` whose model reporters read the
metric buffer; platforms, leaders, bot campaigns and outlets are Mesa agents
(``model.agents``). ``mesa.batch_run(OpinionEcologyModel, parameters={"scenario":
"scenarios/baseline.yaml", "overrides": [{...}, {...}]}, rng=[1, 2], max_steps=...)``
returns the registry's metrics.

One step runs ``model.phases`` in order (:mod:`sim.engine.schedule`), then records every
registered metric (:mod:`sim.engine.metrics`). Metrics of the initial state are
recorded as step 0.

Random numbers: every mechanism draws from its own named stream, ``model.streams[name]``
(:mod:`sim.engine.streams`), derived from the run's seed and the name only, so that
switching one mechanism on never reshuffles the others' draws. ``model.rng`` is
Mesa's generator, seeded with the same seed; the engine draws nothing from it (Mesa's
own tools, e.g. ``model.agents.shuffle_do``, may).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.config import Scenario
from sim.engine.agents import BotCampaign, MainstreamOutlet, OpinionLeader, Platform, UserView
from sim.engine.build import build_state
from sim.engine.mechanisms.compensation import Compensation
from sim.engine.metrics.distributions import lorenz_curve
from sim.engine.metrics.recorder import Recorder
from sim.engine.metrics.registry import Snapshot
from sim.engine.scenarios import resolve_scenario
from sim.engine.schedule import phases_for
from sim.engine.state import EcologyState
from sim.engine.streams import RandomStreams


def seed_of(rng: Any, default: int) -> int:
    """The integer seed of a run from Mesa's ``rng`` argument: an integer, None (the
    scenario's ``run.seed``) or a numpy Generator (one 63-bit draw from it)."""
    if rng is None:
        return int(default)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0:
        return int(rng)
    raise ValueError(f"rng: expected a whole number >= 0, None or a numpy Generator; got "
                     f"{rng!r}")


class OpinionEcologyModel(mesa.Model):
    """Users, platforms, opinion leaders and bots on a follow network.

    ``scenario``: a :class:`~sim.config.Scenario`, a path to a scenario file or the name
    of a shipped one (``"baseline"``). ``rng``: the seed (None: the scenario's
    ``run.seed``). ``overrides``: dotted keys applied to the scenario, as a mapping
    (``{"population.size": 2000}``) or ``--set`` strings.

    ``model.state`` holds every array of the run (:class:`~sim.engine.state.EcologyState`);
    ``model.spec`` is the scenario with ``run.seed`` set to the seed in use.
    """

    def __init__(self, scenario: Scenario | str | Path = "baseline", *, rng: Any = None,
                 overrides: Mapping[str, Any] | list[str] | None = None) -> None:
        spec = resolve_scenario(scenario, overrides)
        seed = seed_of(rng, spec.run.seed)
        super().__init__(rng=seed)
        if seed != spec.run.seed:  # keep spec replayable: it records the seed in use
            spec = spec.model_copy(update={"run": spec.run.model_copy(update={"seed": seed})})
        # `self.scenario` belongs to Mesa (its experimental Scenario); ours is `spec`
        self.spec = spec
        self.seed = seed
        self.streams = RandomStreams(seed)
        self.phases = [phase() for phase in phases_for(spec)]
        self.state: EcologyState = build_state(spec, self.streams)
        self.platforms = [Platform(self, i, p) for i, p in enumerate(spec.platforms)]
        self.leaders = [OpinionLeader(self, k) for k in range(self.state.leader_accounts.size)]
        self.bot_campaigns = bot_campaign_agents(self)
        self.outlets = outlet_agents(self)
        for phase in self.phases:
            phase.init(self)
        self.recorder = Recorder(self.state, spec)
        self.datacollector = mesa.DataCollector(model_reporters={
            name: _latest(k) for k, name in enumerate(self.recorder.metrics.names)})
        self.record()

    # ------------------------------------------------------------------ stepping

    def step(self) -> None:
        """One step: the phases in order, then the metrics (every ``run.record_every``
        steps and at the last). (Mesa has counted the step in ``self.steps`` before calling
        this.)"""
        for phase in self.phases:
            phase.step(self)
        run = self.spec.run
        if self.steps % run.record_every == 0 or self.steps == run.steps:
            self.record()
        if self.steps >= run.steps:
            self.running = False

    def record(self) -> None:
        """Record the metrics of the state now, as step ``model.steps`` (the step does it
        every ``run.record_every`` steps; a run stopped between steps does it once more, so
        that its tables end where it stopped). A step already recorded is not repeated."""
        buffer = self.recorder.metrics
        if buffer.size and buffer.steps[-1] == self.steps:
            return
        self.recorder.record(self.state, self.steps)
        self.datacollector.collect(self)

    @property
    def interventions(self) -> list:
        """The scenario's interventions at run time (sim.engine.interventions), in file
        order; empty for a classic model."""
        return [item for phase in self.phases if isinstance(phase, Compensation)
                for item in phase.items]

    def latest_metrics(self) -> dict[str, float]:
        """The metrics recorded last (name -> value): the previous step's, or with
        ``run.record_every`` > 1 the latest recorded step's."""
        return self.recorder.metrics.last()

    # ------------------------------------------------------------------ inspection

    def metrics_frame(self) -> pd.DataFrame:
        """All recorded metrics, one row per step (step 0 = initial state)."""
        return self.recorder.metrics_frame()

    def strata_frame(self) -> pd.DataFrame:
        """Per-stratum metrics, one row per (step, stratum): silent_share, online_share,
        voice_share, opinion_mean (sim.engine.metrics.groups)."""
        return self.recorder.strata.frame("stratum")

    def platforms_frame(self) -> pd.DataFrame:
        """Per-platform metrics, one row per (step, platform): user_share, impression_share,
        opinion_mean, stance_gap, stance_gap_median (sim.engine.metrics.groups)."""
        return self.recorder.platforms.frame("platform")

    def interventions_frame(self) -> pd.DataFrame:
        """One row per (step, intervention): ``active`` is 1 if it acted in the step."""
        return self.recorder.interventions.frame("intervention")

    def opinions_frame(self) -> pd.DataFrame:
        """Share of the public per opinion bin, one row per step; one column per bin, named
        by its centre (40 bins of width 0.05 on [-1, 1];
        sim.engine.metrics.distributions.opinion_histogram)."""
        return self.recorder.opinions_frame()

    def attention_lorenz_frame(self, points: int = 101) -> pd.DataFrame:
        """Lorenz curve of the people's recent attention now (the distribution behind
        attention_gini and attention_top1_share): population_share, attention_share."""
        p, share = lorenz_curve(Snapshot(self.state, self.spec).people_attention, points)
        return pd.DataFrame({"population_share": p, "attention_share": share})

    def network_sample(self, size: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(nodes, edges) of a snowball sample of ``size`` accounts and the follow ties
        among them (sim.engine.sampling; its own random stream, so the run is unchanged)."""
        from sim.engine.sampling import network_sample

        return network_sample(self.state, self.streams["network_sample"], size)

    def user(self, i: int) -> UserView:
        """A read-only view of account ``i``."""
        state = self.state
        i = int(i)
        if not 0 <= i < state.n:
            raise IndexError(f"account {i} out of range 0..{state.n - 1}")
        role = ("leader" if state.is_leader[i] else "bot" if state.is_bot[i]
                else "outlet" if state.is_outlet[i] else "public")
        return UserView(
            id=i,
            opinion=float(state.opinion[i]),
            stratum=state.stratum_names[state.stratum[i]],
            tech_access=float(state.tech_access[i]),
            literacy=float(state.literacy[i]),
            social_capital=float(state.social_capital[i]),
            expressing=bool(state.expressing[i]),
            online=bool(state.online[i]),
            home_platform=state.platform_names[state.home_platform[i]],
            followers=int(state.followers[i]),
            following=int(state.network.indptr[i + 1] - state.network.indptr[i]),
            attention=float(state.attention[i]),
            role=role,
        )


def _latest(column: int):
    """A DataCollector reporter: metric ``column`` of the row recorded last."""

    def report(model: OpinionEcologyModel) -> float:
        buffer = model.recorder.metrics
        return float(buffer.values[buffer.size - 1, column])

    return report


def bot_campaign_agents(model: OpinionEcologyModel) -> list[BotCampaign]:
    """One agent per bot campaign of the scenario, over its accounts (bot_accounts are laid
    out campaign by campaign)."""
    agents, start = [], 0
    for campaign, count in zip(model.spec.bots, model.spec.bot_counts, strict=True):
        accounts = model.state.bot_accounts[start:start + count]
        start += count
        agents.append(BotCampaign(model, campaign.name, accounts, campaign.stance,
                                  campaign.volume))
    return agents


def outlet_agents(model: OpinionEcologyModel) -> list[MainstreamOutlet]:
    """One agent per mainstream outlet (outlet_accounts are laid out platform by
    platform)."""
    agents, start = [], 0
    for platform, count in zip(model.spec.platforms, model.spec.outlet_counts, strict=True):
        if count == 0:
            continue
        outlet = platform.outlet
        accounts = model.state.outlet_accounts[start:start + count]
        start += count
        agents.append(MainstreamOutlet(model, platform.name, accounts, outlet.stance,
                                       outlet.reach))
    return agents

