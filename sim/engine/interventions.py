"""Power compensation at run time: what each intervention does to the state.

An intervention is data in the scenario's ``interventions:`` list (validated by
its spec in :mod:`sim.config.interventions`) and one small runtime class here,
with hooks:

* ``init(model)``      once, when the model is built (resolve targets);
* ``begin(model)``     when it becomes active;
* ``apply(model)``     at the start of every step while it is active;
* ``finalize(model)``  when it stops being active (its ``end`` passed, or its
  ``when`` condition stopped holding).

It is active in the steps numbered ``start + 1`` .. ``end`` (the rows of
metrics.csv; ``start: 100`` acts from step 101 on) and, if it has a ``when``
condition such as ``"disorder_index > 0.6"``, only in steps after one whose
metrics met it (a reactive correction). Two kinds of effect:

* *levels* (algorithm_reform, real_name_ip_display, traffic_cap,
  media_convergence, amplify_periphery, expression_support) hold while active
  and are undone at ``finalize``: the platforms and people return to what their
  incentives make them do;
* *investments* (connectivity_programme, literacy_campaign, bridge_strata,
  new_public_platform) change the state step by step while active, and what
  they built stays.

``new_entrant`` is not a policy but a market event scheduled the same way: a
commercial platform opens once with an innovation shock to its appeal (lasting).

Each runtime intervention draws from its own random stream
(``intervention.<index>.<type>``), so appending one to the list never reshuffles the
others (inserting one renumbers the streams of those after it).
The controller is the phase
:class:`~sim.engine.mechanisms.compensation.Compensation`, first in every step.
To add an intervention: a spec in :mod:`sim.config.interventions` (added to its
union) and a runtime class here registered in :data:`RUNTIME`.
"""

from __future__ import annotations

import numpy as np

from sim.config import ScenarioError
from sim.config.interventions import (
    INTERVENTION_TYPES,
    AlgorithmReformSpec,
    AmplifyPeripherySpec,
    BridgeStrataSpec,
    ConnectivityProgrammeSpec,
    ExpressionSupportSpec,
    LiteracyCampaignSpec,
    MediaConvergenceSpec,
    NewEntrantSpec,
    NewPublicPlatformSpec,
    RealNameIpDisplaySpec,
    TrafficCapSpec,
    condition_holds,
    parse_condition,
    spec_type,
)
from sim.engine.kernels.ecology import pick_in_blocks
from sim.engine.metrics import REGISTRY
from sim.engine.state import Ecology


class Intervention:
    """Runtime base: hooks do nothing; subclasses override what they need. ``spec_class``
    is the spec (sim.config.interventions) the subclass runs."""

    spec_class: type = type(None)

    def __init__(self, spec, index: int) -> None:
        self.spec = spec
        self.name = spec.name or spec.type
        self.stream = f"intervention.{index}.{spec.type}"
        self.condition = parse_condition(spec.when) if spec.when else None
        self.active = False
        self.active_steps = 0

    def init(self, model: Ecology) -> None: ...

    def begin(self, model: Ecology) -> None: ...

    def apply(self, model: Ecology) -> None: ...

    def finalize(self, model: Ecology) -> None: ...

    def due(self, model: Ecology) -> bool:
        """Whether it acts in the step being run (model.steps)."""
        done = model.steps - 1  # steps completed before this one
        end = self.spec.end if self.spec.end is not None else np.inf
        if not self.spec.start <= done < end:
            return False
        return self.condition is None or condition_holds(self.condition, model.latest_metrics())

    # helpers for targets
    def strata_mask(self, model: Ecology, default: np.ndarray) -> np.ndarray:
        """Boolean per stratum: the target's strata, else ``default``."""
        target = self.spec.target
        if target is not None and target.strata is not None:
            return np.array([name in target.strata for name in model.state.stratum_names])
        return default

    def platform_mask(self, model: Ecology, default: np.ndarray) -> np.ndarray:
        target = self.spec.target
        if target is not None and target.platforms is not None:
            return np.array([name in target.platforms for name in model.state.platform_names])
        return default


def below_mean(values: np.ndarray, model: Ecology) -> np.ndarray:
    """Strata whose value is below the public's mean (of the per-stratum values)."""
    state = model.state
    per_account = values[state.stratum[state.is_public]]
    return values < per_account.mean() - 1e-12


def stratum_values(model: Ecology, field: str) -> np.ndarray:
    """The scenario's value of ``field`` for each stratum."""
    return np.array([getattr(s, field) for s in model.spec.population.strata])


class ConnectivityProgramme(Intervention):
    """tech_access and literacy of targeted strata (default: those with below-mean access)
    close a share s of their gap to a level each active step, never past it:
    a <- a + s max(0, A - a), l <- l + s max(0, L - l). A and L are the spec's ``level``
    or, by default, the public's mean access and mean literacy when the programme first
    begins, so a stratum below the mean approaches it and one above it is not raised.
    Lasting."""

    spec_class = ConnectivityProgrammeSpec

    def init(self, model):
        state = model.state
        strata = self.strata_mask(model, below_mean(stratum_values(model, "tech_access"), model))
        self.accounts = np.flatnonzero(strata[state.stratum] & state.is_public)
        self.levels = None

    def begin(self, model):
        if self.levels is not None:  # the level is fixed when the programme first begins
            return
        state, level = model.state, self.spec.level
        public = state.is_public
        self.levels = ((level, level) if level is not None else
                       (state.tech_access[public].mean(), state.literacy[public].mean()))

    def apply(self, model):
        state = model.state
        s, acc = self.spec.strength, self.accounts
        access, literacy = self.levels
        state.tech_access[acc] += s * np.maximum(0.0, access - state.tech_access[acc])
        state.literacy[acc] += s * np.maximum(0.0, literacy - state.literacy[acc])
        state.refresh_weights(model.spec)


class LiteracyCampaign(Intervention):
    """literacy of targeted strata (default: below-mean literacy) rises each active step:
    l <- l + s (1 - l). Lasting."""

    spec_class = LiteracyCampaignSpec

    def init(self, model):
        state = model.state
        strata = self.strata_mask(model, below_mean(stratum_values(model, "literacy"), model))
        self.accounts = np.flatnonzero(strata[state.stratum] & state.is_public)

    def apply(self, model):
        state = model.state
        acc = self.accounts
        state.literacy[acc] += self.spec.strength * (1.0 - state.literacy[acc])
        state.refresh_weights(model.spec)


class _PlatformLevel(Intervention):
    """Sets a per-platform array on targeted platforms while active; restores it after."""

    array = ""

    def targets(self, model) -> np.ndarray:
        return np.flatnonzero(self.platform_mask(model, model.state.platform_commercial))

    def new_values(self, old: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def begin(self, model):
        values = getattr(model.state, self.array)
        self.where = self.targets(model)
        self.saved = values[self.where].copy()
        values[self.where] = self.new_values(self.saved)

    def finalize(self, model):
        getattr(model.state, self.array)[self.where] = self.saved


class AlgorithmReform(_PlatformLevel):
    """gamma_p <- (1 - s) gamma_p on targeted platforms (default: commercial ones), and a
    diversity quota of unbiased recommendation slots; undone at the end."""

    spec_class = AlgorithmReformSpec

    array = "platform_gamma"

    def new_values(self, old):
        return (1.0 - self.spec.strength) * old

    def begin(self, model):
        state = model.state
        super().begin(model)
        self.saved_quota = state.platform_diversity_quota[self.where].copy()
        state.platform_diversity_quota[self.where] = np.maximum(self.saved_quota,
                                                                self.spec.diversity_quota)

    def finalize(self, model):
        super().finalize(model)
        model.state.platform_diversity_quota[self.where] = self.saved_quota


class TrafficCap(_PlatformLevel):
    """traffic_weight_p <- min(traffic_weight_p, 1 - s) on targeted platforms (default: all
    commercial); undone at the end."""

    spec_class = TrafficCapSpec

    array = "platform_traffic_weight"

    def new_values(self, old):
        return np.minimum(old, 1.0 - self.spec.strength)


class MediaConvergence(_PlatformLevel):
    """redistribution_p <- max(redistribution_p, s) on targeted commercial platforms; undone
    at the end."""

    spec_class = MediaConvergenceSpec

    array = "platform_redistribution"

    def targets(self, model):
        where = super().targets(model)
        return where[model.state.platform_commercial[where]]

    def new_values(self, old):
        return np.maximum(old, self.spec.strength)


class RealNameIpDisplay(Intervention):
    """Bots' reach and influence are multiplied by 1 - s while active (bots are the
    anonymous manipulation accounts of the model); undone at the end."""

    spec_class = RealNameIpDisplaySpec

    def begin(self, model):
        state = model.state
        state.bot_factor = 1.0 - self.spec.strength
        state.refresh_weights(model.spec)

    def finalize(self, model):
        state = model.state
        state.bot_factor = 1.0
        state.refresh_weights(model.spec)


class NewPublicPlatform(Intervention):
    """The entrant (declared with share 0) is closed until it begins; then a share s of the
    public, drawn at random, moves to it, and it ranks without traffic-first weighting or
    bias. Lasting: after that it competes like any platform."""

    spec_class = NewPublicPlatformSpec

    def init(self, model):
        state = model.state
        self.index = state.platform_names.index(self.spec.target.platforms[0])
        self.appeal = state.platform_appeal[self.index]
        state.platform_appeal[self.index] = 0.0  # closed: nobody migrates to it yet

    def begin(self, model):
        state = model.state
        if self.active_steps:  # opens once
            return
        state.platform_appeal[self.index] = self.appeal
        state.platform_traffic_weight[self.index] = 0.0
        state.platform_gamma[self.index] = 0.0
        public = np.flatnonzero(state.is_public)
        movers = public[model.streams[self.stream].random(public.size) < self.spec.strength]
        state.home_platform[movers] = self.index


class AmplifyPeriphery(Intervention):
    """Reach of targeted accounts (default: the public at or below the median follower
    count when it begins) is multiplied by 1 + s; undone at the end."""

    spec_class = AmplifyPeripherySpec

    def begin(self, model):
        state = model.state
        target = self.spec.target
        q = target.follower_quantile if target and target.follower_quantile is not None else 0.5
        public = state.is_public
        cut = np.quantile(state.followers[public], q)
        mask = public & (state.followers <= cut)
        if target is not None and target.strata is not None:
            mask &= self.strata_mask(model, None)[state.stratum]
        self.accounts = np.flatnonzero(mask)
        state.reach_boost[self.accounts] *= 1.0 + self.spec.strength
        state.refresh_weights(model.spec)

    def finalize(self, model):
        state = model.state
        state.reach_boost[self.accounts] /= 1.0 + self.spec.strength
        state.refresh_weights(model.spec)


class ExpressionSupport(Intervention):
    """Silence thresholds of targeted strata (default: below-mean social capital) are
    multiplied by 1 - s; undone at the end."""

    spec_class = ExpressionSupportSpec

    def begin(self, model):
        state = model.state
        strata = self.strata_mask(model, below_mean(stratum_values(model, "social_capital"),
                                                    model))
        self.accounts = np.flatnonzero(strata[state.stratum] & state.is_public)
        self.saved = state.silence_threshold[self.accounts].copy()
        state.silence_threshold[self.accounts] = (1.0 - self.spec.strength) * self.saved

    def finalize(self, model):
        model.state.silence_threshold[self.accounts] = self.saved


class BridgeStrata(Intervention):
    """Each active step a share s of the online public (of targeted strata, default all)
    replaces one random follow with a poster of another stratum, drawn by post weight.
    Lasting ties (homophilous rewiring may wear them away)."""

    spec_class = BridgeStrataSpec

    def apply(self, model):
        state = model.state
        rng = model.streams[self.stream]
        net = state.network
        degree = np.diff(net.indptr)
        strata = self.strata_mask(model, np.ones(len(state.stratum_names), bool))
        pool = np.flatnonzero(state.online & state.is_public & (degree > 0)
                              & strata[state.stratum])
        who = pool[rng.random(pool.size) < self.spec.strength]
        slot = net.indptr[who] + (rng.random(who.size) * degree[who]).astype(np.int64)
        u = rng.random(who.size)
        posters = np.flatnonzero(state.post_weight > 0)
        if who.size == 0 or posters.size == 0:
            return
        order = np.argsort(state.stratum[posters], kind="stable")
        posters = posters[order]
        cum = np.concatenate(([0.0], np.cumsum(state.post_weight[posters])))
        bounds = np.searchsorted(state.stratum[posters], np.arange(len(state.stratum_names) + 1))
        own = state.stratum[who]
        lo, hi = cum[bounds[own]], cum[bounds[own + 1]]
        # draw on the total minus the own stratum's block, then skip over that block
        point = u * (cum[-1] - (hi - lo))
        point = np.where(point >= lo, point + (hi - lo), point)
        ok = cum[-1] - (hi - lo) > 0
        pick = pick_in_blocks(cum, np.zeros(who.size, np.int64),
                                       np.full(who.size, posters.size), point / cum[-1])
        new = np.where(ok & (pick >= 0), posters[np.maximum(pick, 0)], -1)
        old = net.followees[slot]
        ok = (new >= 0) & (new != who) & (state.stratum[np.maximum(new, 0)] != own)
        net.followees[slot[ok]] = new[ok]
        state.followers += np.bincount(new[ok], minlength=state.n)
        state.followers -= np.bincount(old[ok], minlength=state.n)


# --------------------------------------------------------------------------- market entry


class NewEntrant(Intervention):
    """A commercial entrant (declared with share 0) is closed (appeal 0) until it begins;
    then it opens once with appeal (1 + innovation) * a_L, a_L the appeal of the market
    leader (the open commercial platform with the largest share of the public) at that
    step, and a share ``early_adopters`` of the public, drawn at random, moves to it. It
    keeps its declared ranking (traffic_weight, gamma, stance). Lasting: after that only
    competition (and innovation, if on) moves the shares."""

    spec_class = NewEntrantSpec

    def init(self, model):
        state = model.state
        self.index = state.platform_names.index(self.spec.target.platforms[0])
        state.platform_appeal[self.index] = 0.0  # closed: nobody migrates to it yet
        state.platform_entrant[self.index] = True

    def begin(self, model):
        state = model.state
        if self.active_steps:  # opens once
            return
        incumbents = state.platform_commercial & (state.platform_appeal > 0)
        shares = np.where(incumbents, state.platform_shares(), -1.0)
        leader_appeal = state.platform_appeal[np.argmax(shares)] if incumbents.any() else 1.0
        state.platform_appeal[self.index] = (1.0 + self.spec.innovation) * leader_appeal
        public = np.flatnonzero(state.is_public)
        draws = model.streams[self.stream].random(public.size)
        state.home_platform[public[draws < self.spec.early_adopters]] = self.index


RUNTIME: dict[str, type[Intervention]] = {
    spec_type(runtime.spec_class): runtime
    for runtime in (ConnectivityProgramme, AlgorithmReform, RealNameIpDisplay, NewPublicPlatform,
                    TrafficCap, MediaConvergence, LiteracyCampaign, AmplifyPeriphery,
                    BridgeStrata, ExpressionSupport,
                    NewEntrant)
}
"""Runtime class of each intervention ``type``, keyed by its spec's type name."""
assert set(RUNTIME) == set(INTERVENTION_TYPES), "every intervention spec needs its runtime"


def runtime_for(spec, index: int) -> Intervention:
    """The runtime intervention of ``spec``, the ``index``-th of the scenario's list (its
    random stream is ``intervention.<index>.<type>``). A ``when`` trigger must name a
    recorded metric (checked here too, for scenarios validated without the engine's
    metric names)."""
    item = RUNTIME[spec.type](spec, index)
    if item.condition is not None and item.condition[0] not in REGISTRY:
        raise ScenarioError(f"interventions.{index}.when: unknown metric "
                            f"{item.condition[0]!r} (see `run.py metrics`)")
    return item
