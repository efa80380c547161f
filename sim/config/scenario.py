"""A scenario: the validated description of everything a run needs.

A scenario is plain YAML checked against pydantic models (``extra="forbid"``
everywhere: an unknown or misspelt key is an error). Each section has its module:
:mod:`~sim.config.population`, :mod:`~sim.config.network`, :mod:`~sim.config.actors`
(platforms, leaders, bots), :mod:`~sim.config.dynamics`,
:mod:`~sim.config.interventions`; this one holds the measurement and run settings
and :class:`Scenario`, which checks the sections against each other.

Defaults switch every power mechanism off (no divide, no leaders, no bots, no
recommendations, no silence); only the default network, Barabasi-Albert, keeps
hubs. The shipped scenarios set mechanisms explicitly. Each default carries its
source.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from sim.config.actors import (
    BotCampaignSpec,
    LeadersSpec,
    PlatformSpec,
    _default_platforms,
    size_field,
)
from sim.config.dynamics import CLASSIC_MODELS, Dynamics, DynamicsSpec
from sim.config.fields import Name, Probability, Strict, check_shares_and_names, field_error
from sim.config.interventions import InterventionSpec
from sim.config.network import (
    BarabasiAlbert,
    CompleteGraph,
    NetworkSpec,
    PowerlawCluster,
    StochasticBlock,
    WattsStrogatz,
    sbm_probabilities,
)
from sim.config.population import Population

MAX_COMPLETE_SIZE = 5_000  # a complete graph of n accounts holds n(n - 1) follow ties


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
    record_every: int = Field(
        1, ge=1, le=10_000_000,
        description="Record the metrics (and every per-step table) at step 0, every "
        "record_every steps, and at the last step. Interventions' when: triggers read the "
        "latest recorded row. Default 1 (every step); larger values make long runs and "
        "large populations cheaper (recording costs about as much as a classic model's "
        "step).")


class Scenario(Strict):
    """A complete, replayable description of one run."""

    name: Name = Field(description="The scenario's name: labels outputs and default folders.")
    description: str = Field("", description="Free text: what the scenario is for.")
    population: Population = Field(description="Accounts, strata and initial opinions.")
    network: NetworkSpec = Field(
        default_factory=lambda: BarabasiAlbert(generator="barabasi_albert"),
        description="The follow network's generator (``generator``) and its parameters. "
        "Default: Barabasi-Albert, m = 10.",
    )
    platforms: list[PlatformSpec] = Field(
        default_factory=_default_platforms, min_length=1, max_length=1000,
        description="Platforms (market power), with initial shares summing to 1. Default: "
        "one commercial platform.",
    )
    leaders: LeadersSpec = Field(default_factory=LeadersSpec,
                                 description="Opinion leaders. Default: none.")
    bots: list[BotCampaignSpec] = Field(default_factory=list,
                                        description="Bot campaigns. Default: none.")
    dynamics: DynamicsSpec = Field(
        default_factory=Dynamics,
        description="The opinion core: the ecology's (``model: bounded_confidence``) or a "
        "classic model.")
    interventions: list[InterventionSpec] = Field(
        default_factory=list,
        max_length=100,
        description="Compensation interventions (sim/engine/interventions.py), applied in "
        "file order at the start of each step. Default: none.",
    )
    metrics: MetricsSpec = Field(default_factory=MetricsSpec,
                                 description="Parameters of the measurements.")
    run: RunSpec = Field(default_factory=RunSpec, description="Steps and seed.")

    @field_validator("platforms")
    @classmethod
    def _platform_shares(cls, platforms: list[PlatformSpec]) -> list[PlatformSpec]:
        check_shares_and_names(platforms, "platform")
        return platforms

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        n = self.population.size
        net = self.network
        if isinstance(net, BarabasiAlbert | PowerlawCluster) and net.m >= n:
            raise field_error("network.m", f"must be below population.size ({n}); got {net.m}")
        if isinstance(net, WattsStrogatz) and net.k >= n:
            raise field_error("network.k", f"must be below population.size ({n}); got {net.k}")
        if isinstance(net, StochasticBlock):
            probs = sbm_probabilities(self.population.stratum_counts(), net.mean_degree,
                                      net.homophily)
            if probs.max() > 1.0:
                raise field_error(
                    "network.mean_degree",
                    f"too high for the strata sizes (a tie probability would be "
                    f"{probs.max():.3g} > 1); lower mean_degree or homophily",
                )
        if isinstance(net, StochasticBlock) and self.population.centre_periphery > 0:
            raise field_error(
                "population.centre_periphery",
                "must be 0 with network.generator 'stochastic_block' (its blocks already place "
                "the strata); use a generator with hubs, e.g. barabasi_albert",
            )
        if isinstance(net, CompleteGraph) and n > MAX_COMPLETE_SIZE:
            raise field_error(
                "network.generator",
                f"complete graphs are limited to population.size <= {MAX_COMPLETE_SIZE} "
                f"(got {n}); use another generator for larger populations",
            )
        leaders_size = f"leaders.{size_field(self.leaders, 'count')}"
        if self.dynamics.model in CLASSIC_MODELS:
            if self.leader_count:
                raise field_error(
                    leaders_size,
                    f"must be 0 with the classic model {self.dynamics.model!r} "
                    "(it has no opinion leaders)",
                )
            if any(self.bot_counts):
                raise field_error(
                    "bots", f"must be empty with the classic model {self.dynamics.model!r}"
                )
            if self.population.topics > 1:
                raise field_error(
                    "population.topics",
                    f"must be 1 with the classic model {self.dynamics.model!r} (several "
                    "issues are a mechanism of the ecology, dynamics.model "
                    "bounded_confidence)",
                )
            for i, (platform, accounts) in enumerate(zip(self.platforms, self.outlet_counts,
                                                          strict=True)):
                if accounts:
                    raise field_error(
                        f"platforms.{i}.outlet.{size_field(platform.outlet, 'accounts')}",
                        f"must be 0 with the classic model {self.dynamics.model!r} "
                        "(it has no mainstream outlet)",
                    )
        special = self.leader_count + sum(self.bot_counts) + self.outlet_accounts
        if special > n // 2:
            raise field_error(
                leaders_size,
                f"leaders, bots and outlet accounts ({special}) may hold at most half of the "
                f"{n} accounts",
            )
        low = self.metrics.low_access_strata
        strata_names = [s.name for s in self.population.strata]
        for i, name in enumerate(low or []):
            if name not in strata_names:
                raise field_error(
                    f"metrics.low_access_strata.{i}",
                    f"unknown stratum {name!r}; allowed: {', '.join(strata_names)}",
                )
        names = [b.name for b in self.bots]
        dupes = sorted({x for x in names if names.count(x) > 1})
        if dupes:
            raise field_error("bots", f"bot campaign names must be unique; repeated: {dupes}")
        platform_names = [p.name for p in self.platforms]
        for i, bot in enumerate(self.bots):
            if bot.platform is not None and bot.platform not in platform_names:
                raise field_error(
                    f"bots.{i}.platform",
                    f"unknown platform {bot.platform!r}; allowed: {', '.join(platform_names)}",
                )
        self._check_interventions([x.name for x in self.population.strata], platform_names)
        return self

    def _check_interventions(self, strata_names: list[str], platform_names: list[str]) -> None:
        if self.interventions and self.dynamics.model in CLASSIC_MODELS:
            raise field_error("interventions", f"must be empty with the classic model "
                               f"{self.dynamics.model!r} (interventions act on the ecology)")
        for i, item in enumerate(self.interventions):
            where = f"interventions.{i}"
            target = item.target
            for j, name in enumerate((target.strata or []) if target else []):
                if name not in strata_names:
                    raise field_error(f"{where}.target.strata.{j}", f"unknown stratum {name!r}; "
                                       f"allowed: {', '.join(strata_names)}")
            for j, name in enumerate((target.platforms or []) if target else []):
                if name not in platform_names:
                    raise field_error(f"{where}.target.platforms.{j}", f"unknown platform "
                                       f"{name!r}; allowed: {', '.join(platform_names)}")
            if item.type == "new_entrant":
                self._check_entrant(where, target.platforms[0])
            if item.type == "new_public_platform":
                entrant = self.platforms[platform_names.index(target.platforms[0])]
                if entrant.share != 0:
                    raise field_error(f"{where}.target.platforms.0", f"the entrant "
                                       f"{entrant.name!r} must be declared with share 0 (it "
                                       f"opens when the intervention begins); got "
                                       f"{entrant.share}")

    def _check_entrant(self, where: str, name: str) -> None:
        """A new_entrant's platform: declared commercial with share 0 (closed until it
        opens)."""
        entrant = next(p for p in self.platforms if p.name == name)
        if entrant.share != 0:
            raise field_error(f"{where}.target.platforms.0", f"the entrant {name!r} must be "
                               f"declared with share 0 (it opens when new_entrant begins); "
                               f"got {entrant.share}")
        if entrant.kind != "commercial":
            raise field_error(f"{where}.target.platforms.0", f"the entrant {name!r} must be "
                               f"of kind 'commercial'; got {entrant.kind!r}")

    # Actors' sizes resolved against the population: every account of the model, from
    # which leaders, bots and outlet accounts are taken (docs/model.md, per-capita actors).

    @property
    def leader_count(self) -> int:
        """Number of opinion leaders (``leaders`` resolved against population.size)."""
        return self.leaders.resolved_count(self.population.size)

    @property
    def bot_counts(self) -> list[int]:
        """Bot accounts of each campaign, in ``bots`` order, resolved against
        population.size."""
        return [b.resolved_count(self.population.size) for b in self.bots]

    @property
    def outlet_counts(self) -> list[int]:
        """Accounts of each platform's outlet, in ``platforms`` order (0 without one),
        resolved against population.size."""
        return [p.outlet.resolved_count(self.population.size) if p.outlet is not None else 0
                for p in self.platforms]

    @property
    def outlet_accounts(self) -> int:
        """Accounts run by the mainstream outlets of all platforms."""
        return sum(self.outlet_counts)

    def resolved(self) -> dict[str, Any]:
        """The full scenario as plain data (defaults filled), ready to write as YAML."""
        return self.model_dump(mode="json")


