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
    OfflineDialogueSpec,
    RealNameIpDisplaySpec,
    SocialEmpowermentSpec,
    TrafficCapSpec,
    condition_holds,
    parse_condition,
    spec_type,
)
from sim.engine.kernels.ecology import pick_in_blocks
from sim.engine.mechanisms.silence import thresholds
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
        self.index = index
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

    def periphery_accounts(self, model: Ecology) -> np.ndarray:
        """The public of the target's strata, else of the strata with below-mean social
        capital (the periphery node empowerment aims at)."""
        strata = self.strata_mask(model, below_mean(stratum_values(model, "social_capital"),
                                                    model))
        return np.flatnonzero(strata[model.state.stratum] & model.state.is_public)

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
    """Sets a per-platform array on targeted platforms while active; restores it after.
    When the platforms capture a share kappa of it (state.intervention_capture,
    dynamics.incumbents), the value is new + kappa (old - new): kappa of the change is
    undone, adjusted at each active step to last step's kappa."""

    array = ""
    applied = 0.0  # the kappa the platforms' values currently reflect

    def targets(self, model) -> np.ndarray:
        return np.flatnonzero(self.platform_mask(model, model.state.platform_commercial))

    def new_values(self, old: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def begin(self, model):
        values = getattr(model.state, self.array)
        self.where = self.targets(model)
        self.saved = values[self.where].copy()
        self.target_values = self.new_values(self.saved)
        values[self.where] = self.target_values
        self.applied = 0.0

    def apply(self, model):
        kappa = model.state.intervention_capture[self.index]
        if kappa == self.applied:
            return
        getattr(model.state, self.array)[self.where] = (
            self.target_values + kappa * (self.saved - self.target_values))
        self.applied = kappa

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
    anonymous manipulation accounts of the model), and the weak who see themselves in the
    minority pay ``exposure_cost`` on their silence threshold (state.exposure_cost, read by
    the spiral of silence); undone at the end."""

    spec_class = RealNameIpDisplaySpec

    def begin(self, model):
        state = model.state
        state.bot_factor = 1.0 - self.spec.strength
        state.exposure_cost = self.spec.exposure_cost
        state.refresh_weights(model.spec)

    def finalize(self, model):
        state = model.state
        state.bot_factor = 1.0
        state.exposure_cost = 0.0
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
    count when it begins) is multiplied by 1 + s; undone at the end. When incumbents
    capture a share kappa of it (state.intervention_capture, dynamics.incumbents), the
    boost is 1 + (1 - kappa) s, adjusted at each active step to last step's kappa."""

    spec_class = AmplifyPeripherySpec
    applied = 0.0  # the kappa the targets' boost currently reflects

    def apply(self, model):
        state = model.state
        kappa = state.intervention_capture[self.index]
        if kappa == self.applied:
            return
        s = self.spec.strength
        state.reach_boost[self.accounts] *= (1.0 + (1.0 - kappa) * s) / (
            1.0 + (1.0 - self.applied) * s)
        self.applied = kappa
        state.refresh_weights(model.spec)

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
        state.reach_boost[self.accounts] /= 1.0 + (1.0 - self.applied) * self.spec.strength
        self.applied = 0.0
        state.refresh_weights(model.spec)


class ExpressionSupport(Intervention):
    """Silence thresholds of targeted strata (default: below-mean social capital) are
    multiplied by 1 - s; undone at the end."""

    spec_class = ExpressionSupportSpec

    def begin(self, model):
        state = model.state
        self.accounts = self.periphery_accounts(model)
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


# ---- offline dialogue and social empowerment (E12, E13; docs/model.md 3.20) ----


def other_stratum_member(model: Ecology, who: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each account in ``who``, a member of the public drawn uniformly from the strata
    other than its own (``u`` uniform in [0, 1) per entry); -1 if there is none."""
    state = model.state
    public = np.flatnonzero(state.is_public)
    public = public[np.argsort(state.stratum[public], kind="stable")]
    bounds = np.searchsorted(state.stratum[public], np.arange(len(state.stratum_names) + 1))
    own = state.stratum[who]
    lo, hi = bounds[own], bounds[own + 1]
    others = public.size - (hi - lo)
    slot = np.minimum((u * others).astype(np.int64), np.maximum(others - 1, 0))
    slot = np.where(slot >= lo, slot + (hi - lo), slot)  # skip over the own stratum
    return np.where(others > 0, public[np.minimum(slot, public.size - 1)], -1)


class OfflineDialogue(Intervention):
    """Community meetings across strata. Each active step a share s of the targeted public
    (default all strata; online or not) meets a member of the public drawn uniformly from
    the other strata. Face to face both hear each other: if |x_j - x_i| < confidence, each
    moves mu times the mean gap of its meetings (opinions of the start of the step). With
    chance ``tie_chance`` the attendee then replaces one random follow with the person met.
    The opinion moves are momentary; the ties last (homophilous rewiring may wear them)."""

    spec_class = OfflineDialogueSpec

    def apply(self, model):
        state = model.state
        rng = model.streams[self.stream]
        strata = self.strata_mask(model, np.ones(len(state.stratum_names), bool))
        pool = np.flatnonzero(state.is_public & strata[state.stratum])
        who = pool[rng.random(pool.size) < self.spec.strength]
        met = other_stratum_member(model, who, rng.random(who.size))
        tie = rng.random(who.size) < self.spec.tie_chance
        u_slot = rng.random(who.size)
        ok = met >= 0
        who, met, tie, u_slot = who[ok], met[ok], tie[ok], u_slot[ok]
        x = state.opinion
        gap = x[met] - x[who]
        near = np.abs(gap) < model.spec.dynamics.confidence
        a = np.concatenate((who[near], met[near]))
        g = np.concatenate((gap[near], -gap[near]))
        count = np.bincount(a, minlength=state.n)
        pull = np.bincount(a, weights=g, minlength=state.n)
        moved = count > 0
        x[moved] += model.spec.dynamics.convergence * pull[moved] / count[moved]
        net = state.network
        degree = np.diff(net.indptr)
        tie &= degree[who] > 0
        who, met, u_slot = who[tie], met[tie], u_slot[tie]
        slot = net.indptr[who] + (u_slot * degree[who]).astype(np.int64)
        old = net.followees[slot]
        net.followees[slot] = met
        state.followers += np.bincount(met, minlength=state.n)
        state.followers -= np.bincount(old, minlength=state.n)


class SocialEmpowerment(Intervention):
    """Social capital of the targeted public (default: strata with below-mean social
    capital) closes a share s of its gap to a level each active step, never past it:
    c <- c + s max(0, C - c), C the spec's ``level`` or the public's mean social capital
    when it first begins. Influence follows (refresh_weights) and, with the spiral of
    silence, so do silence thresholds, theta = min(1, b c^-capital_sensitivity) from each
    one's base b. Lasting."""

    spec_class = SocialEmpowermentSpec

    def init(self, model):
        self.accounts = self.periphery_accounts(model)
        self.level = None

    def begin(self, model):
        if self.level is None:  # the level is fixed when it first begins
            state = model.state
            self.level = (self.spec.level if self.spec.level is not None
                          else float(state.social_capital[state.is_public].mean()))

    def apply(self, model):
        state, acc = model.state, self.accounts
        capital = state.social_capital
        capital[acc] += self.spec.strength * np.maximum(0.0, self.level - capital[acc])
        state.refresh_weights(model.spec)
        silence = model.spec.dynamics.silence
        if state.silence_base.size:
            state.silence_threshold[acc] = thresholds(state.silence_base[acc], capital[acc],
                                                      silence.capital_sensitivity)


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
                    BridgeStrata, ExpressionSupport, OfflineDialogue, SocialEmpowerment,
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
