"""Power compensation: interventions that re-share technology, market and social power.

An intervention is data in the scenario's ``interventions:`` list (validated by
the spec classes below) and one small runtime class with hooks:

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

Each runtime intervention draws from its own random stream
(``intervention.<index>.<type>``), so appending one to the list never reshuffles the
others (inserting one renumbers the streams of those after it).
The controller is the phase :class:`Compensation`, first in every step.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.market import weighted_pick_in_blocks
from sim.phases import Phase
from sim.schema_base import Name, Probability, Strict, _field_error

if TYPE_CHECKING:
    from sim.model import OpinionEcologyModel

NUMBER = r"[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?"
CONDITION = re.compile(rf"^\s*([a-z_][a-z0-9_]*)\s*(>=|<=|>|<)\s*({NUMBER})\s*$")


def parse_condition(text: str) -> tuple[str, str, float]:
    """'metric op number' -> (metric, op, number); ValueError naming what is allowed."""
    from sim.metrics import REGISTRY  # local: metrics imports the engine's modules

    match = CONDITION.match(text)
    if not match:
        raise ValueError(f"when: expected 'metric op number' with op one of >, >=, <, <= "
                         f"(e.g. 'disorder_index > 0.6'); got {text!r}")
    name, op, value = match.group(1), match.group(2), float(match.group(3))
    if name not in REGISTRY:
        import difflib

        hint = difflib.get_close_matches(name, list(REGISTRY), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"when: unknown metric {name!r}{extra} (see `run.py metrics`)")
    return name, op, value


def condition_holds(condition: tuple[str, str, float], metrics: dict[str, float]) -> bool:
    name, op, value = condition
    x = metrics.get(name)
    if x is None:
        return False
    return {">": x > value, ">=": x >= value, "<": x < value, "<=": x <= value}[op]


# --------------------------------------------------------------------------- specs


class TargetSpec(Strict):
    """Whom an intervention addresses; unset fields take the intervention's default."""

    strata: list[Name] | None = Field(None, description="Strata by name.")
    platforms: list[Name] | None = Field(None, description="Platforms by name.")
    follower_quantile: Probability | None = Field(
        None,
        description="Accounts of the public whose follower count is at or below this "
        "quantile when the intervention begins (e.g. 0.5: the peripheral half).",
    )


class InterventionBase(Strict):
    """Fields every intervention has."""

    name: Name | None = Field(None, description="Label in outputs; default: the type.")
    start: int = Field(0, ge=0, description="Active from step start + 1.")
    end: int | None = Field(None, ge=1, description="Last active step; default: the run's end.")
    target: TargetSpec | None = Field(None, description="Whom it addresses (see each type).")
    when: str | None = Field(
        None,
        description="Reactive trigger 'metric op number' (op: >, >=, <, <=), checked on the "
        "previous step's metrics; default: always (a scheduled policy).",
    )

    @model_validator(mode="after")
    def _window(self):
        if self.end is not None and self.end <= self.start:
            raise _field_error("end", f"must be after start ({self.start}); got {self.end}")
        if self.when is not None:
            try:
                parse_condition(self.when)
            except ValueError as exc:
                raise _field_error("when", str(exc).removeprefix("when: ")) from None
        return self


class ConnectivityProgrammeSpec(InterventionBase):
    """Symbol connection: rural connectivity, digital villages (村村通)."""

    type: Literal["connectivity_programme"]
    strength: Probability = Field(
        0.05,
        description="Per active step, targeted strata close this share of the gap of "
        "tech_access and of literacy to 1. Default 0.05 (chosen: half the gap in ~14 steps).",
    )


class AlgorithmReformSpec(InterventionBase):
    """Symbol connection: better back-end algorithms."""

    type: Literal["algorithm_reform"]
    strength: Probability = Field(
        1.0, description="gamma of targeted platforms is multiplied by 1 - strength. "
        "Default 1 (bias removed).")
    diversity_quota: Probability = Field(
        0.0, description="Share of biased recommendation slots filled without bias "
        "(gamma 0). Default 0.")


class RealNameIpDisplaySpec(InterventionBase):
    """Symbol connection: real names and IP display against manipulation."""

    type: Literal["real_name_ip_display"]
    strength: Probability = Field(
        0.8, description="Bots' reach (volume) and credibility (influence) are multiplied by "
        "1 - strength. Default 0.8 (chosen).")


class NewPublicPlatformSpec(InterventionBase):
    """Platform performance: a new public platform enters the market."""

    type: Literal["new_public_platform"]
    strength: Probability = Field(
        0.1, description="Share of the public that joins the entrant when it opens. "
        "Default 0.1 (chosen).")

    @model_validator(mode="after")
    def _one_platform(self):
        if self.target is None or not self.target.platforms or len(self.target.platforms) != 1:
            raise _field_error("target.platforms", "name exactly one platform: the entrant, "
                               "declared under platforms with share 0")
        return self


class TrafficCapSpec(InterventionBase):
    """Platform performance: a cap on traffic-first ranking."""

    type: Literal["traffic_cap"]
    strength: Probability = Field(
        0.8, description="traffic_weight of targeted platforms is capped at 1 - strength. "
        "Default 0.8 (cap 0.2).")


class MediaConvergenceSpec(InterventionBase):
    """Platform performance: mainstream media converge onto the big platforms."""

    type: Literal["media_convergence"]
    strength: Probability = Field(
        0.3, description="Targeted commercial platforms give at least this share of their "
        "recommendation slots to the mainstream outlets. Default 0.3 (chosen).")


class LiteracyCampaignSpec(InterventionBase):
    """Platform performance: digital-literacy campaigns and elderly-friendly design."""

    type: Literal["literacy_campaign"]
    strength: Probability = Field(
        0.05, description="Per active step, targeted strata close this share of their "
        "literacy gap to 1. Default 0.05 (chosen).")


class AmplifyPeripherySpec(InterventionBase):
    """Node empowerment: amplify peripheral voices."""

    type: Literal["amplify_periphery"]
    strength: float = Field(
        1.0, ge=0.0, le=20.0, description="Reach of targeted accounts is multiplied by "
        "1 + strength. Default 1 (doubled).")


class BridgeStrataSpec(InterventionBase):
    """Node empowerment: bridge strata (shared-identity stories, cross-stratum ties)."""

    type: Literal["bridge_strata"]
    strength: Probability = Field(
        0.02, description="Per active step, this share of the online public replaces one "
        "follow with a poster from another stratum. Default 0.02 (chosen).")


class ExpressionSupportSpec(InterventionBase):
    """Node empowerment: raise the social power of low strata to speak."""

    type: Literal["expression_support"]
    strength: Probability = Field(
        0.5, description="Silence thresholds of targeted strata are multiplied by "
        "1 - strength. Default 0.5 (chosen).")


InterventionSpec = Annotated[
    ConnectivityProgrammeSpec
    | AlgorithmReformSpec
    | RealNameIpDisplaySpec
    | NewPublicPlatformSpec
    | TrafficCapSpec
    | MediaConvergenceSpec
    | LiteracyCampaignSpec
    | AmplifyPeripherySpec
    | BridgeStrataSpec
    | ExpressionSupportSpec,
    Field(discriminator="type"),
]

INTERVENTION_TYPES = ("connectivity_programme", "algorithm_reform", "real_name_ip_display",
                      "new_public_platform", "traffic_cap", "media_convergence",
                      "literacy_campaign", "amplify_periphery", "bridge_strata",
                      "expression_support")


# --------------------------------------------------------------------------- runtime


class Intervention:
    """Runtime base: hooks do nothing; subclasses override what they need."""

    def __init__(self, spec, index: int) -> None:
        self.spec = spec
        self.name = spec.name or spec.type
        self.stream = f"intervention.{index}.{spec.type}"
        self.condition = parse_condition(spec.when) if spec.when else None
        self.active = False
        self.active_steps = 0

    def init(self, model: OpinionEcologyModel) -> None: ...

    def begin(self, model: OpinionEcologyModel) -> None: ...

    def apply(self, model: OpinionEcologyModel) -> None: ...

    def finalize(self, model: OpinionEcologyModel) -> None: ...

    def due(self, model: OpinionEcologyModel) -> bool:
        """Whether it acts in the step about to run (step_count + 1)."""
        done = model.step_count
        end = self.spec.end if self.spec.end is not None else np.inf
        if not self.spec.start <= done < end:
            return False
        return self.condition is None or condition_holds(self.condition, model.latest_metrics())

    # helpers for targets
    def strata_mask(self, model: OpinionEcologyModel, default: np.ndarray) -> np.ndarray:
        """Boolean per stratum: the target's strata, else ``default``."""
        target = self.spec.target
        if target is not None and target.strata is not None:
            return np.array([name in target.strata for name in model.stratum_names])
        return default

    def platform_mask(self, model: OpinionEcologyModel, default: np.ndarray) -> np.ndarray:
        target = self.spec.target
        if target is not None and target.platforms is not None:
            return np.array([p.name in target.platforms for p in model.platforms])
        return default


def below_mean(values: np.ndarray, model: OpinionEcologyModel) -> np.ndarray:
    """Strata whose value is below the public's mean (of the per-stratum values)."""
    per_account = values[model.stratum[model.is_public]]
    return values < per_account.mean() - 1e-12


def stratum_values(model: OpinionEcologyModel, field: str) -> np.ndarray:
    return np.array([getattr(s, field) for s in model.spec.population.strata])


class ConnectivityProgramme(Intervention):
    """tech_access and literacy of targeted strata (default: those with below-mean access)
    rise each active step: a <- a + s (1 - a), l <- l + s (1 - l). Lasting."""

    def init(self, model):
        strata = self.strata_mask(model, below_mean(stratum_values(model, "tech_access"), model))
        self.accounts = np.flatnonzero(strata[model.stratum] & model.is_public)

    def apply(self, model):
        s, acc = self.spec.strength, self.accounts
        model.tech_access[acc] += s * (1.0 - model.tech_access[acc])
        model.literacy[acc] += s * (1.0 - model.literacy[acc])
        model.refresh_weights()


class LiteracyCampaign(Intervention):
    """literacy of targeted strata (default: below-mean literacy) rises each active step:
    l <- l + s (1 - l). Lasting."""

    def init(self, model):
        strata = self.strata_mask(model, below_mean(stratum_values(model, "literacy"), model))
        self.accounts = np.flatnonzero(strata[model.stratum] & model.is_public)

    def apply(self, model):
        acc = self.accounts
        model.literacy[acc] += self.spec.strength * (1.0 - model.literacy[acc])
        model.refresh_weights()


class _PlatformLevel(Intervention):
    """Sets a per-platform array on targeted platforms while active; restores it after."""

    array = ""

    def targets(self, model) -> np.ndarray:
        commercial = np.array([p.kind == "commercial" for p in model.platforms])
        return np.flatnonzero(self.platform_mask(model, commercial))

    def new_values(self, old: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def begin(self, model):
        values = getattr(model, self.array)
        self.where = self.targets(model)
        self.saved = values[self.where].copy()
        values[self.where] = self.new_values(self.saved)

    def finalize(self, model):
        getattr(model, self.array)[self.where] = self.saved


class AlgorithmReform(_PlatformLevel):
    """gamma_p <- (1 - s) gamma_p on targeted platforms (default: commercial ones), and a
    diversity quota of unbiased recommendation slots; undone at the end."""

    array = "platform_gamma"

    def new_values(self, old):
        return (1.0 - self.spec.strength) * old

    def begin(self, model):
        super().begin(model)
        self.saved_quota = model.platform_diversity_quota[self.where].copy()
        model.platform_diversity_quota[self.where] = np.maximum(self.saved_quota,
                                                                self.spec.diversity_quota)

    def finalize(self, model):
        super().finalize(model)
        model.platform_diversity_quota[self.where] = self.saved_quota


class TrafficCap(_PlatformLevel):
    """traffic_weight_p <- min(traffic_weight_p, 1 - s) on targeted platforms (default: all
    commercial); undone at the end."""

    array = "platform_traffic_weight"

    def new_values(self, old):
        return np.minimum(old, 1.0 - self.spec.strength)


class MediaConvergence(_PlatformLevel):
    """redistribution_p <- max(redistribution_p, s) on targeted commercial platforms; undone
    at the end."""

    array = "platform_redistribution"

    def targets(self, model):
        where = super().targets(model)
        return where[[model.platforms[i].kind == "commercial" for i in where]]

    def new_values(self, old):
        return np.maximum(old, self.spec.strength)


class RealNameIpDisplay(Intervention):
    """Bots' reach and influence are multiplied by 1 - s while active (bots are the
    anonymous manipulation accounts of the model); undone at the end."""

    def begin(self, model):
        model.bot_factor = 1.0 - self.spec.strength
        model.refresh_weights()

    def finalize(self, model):
        model.bot_factor = 1.0
        model.refresh_weights()


class NewPublicPlatform(Intervention):
    """The entrant (declared with share 0) is closed until it begins; then a share s of the
    public, drawn at random, moves to it, and it ranks without traffic-first weighting or
    bias. Lasting: after that it competes like any platform."""

    def init(self, model):
        names = [p.name for p in model.platforms]
        self.index = names.index(self.spec.target.platforms[0])
        self.appeal = model.platform_appeal[self.index]
        model.platform_appeal[self.index] = 0.0  # closed: nobody migrates to it yet

    def begin(self, model):
        if self.active_steps:  # opens once
            return
        model.platform_appeal[self.index] = self.appeal
        model.platform_traffic_weight[self.index] = 0.0
        model.platform_gamma[self.index] = 0.0
        public = np.flatnonzero(model.is_public)
        movers = public[model.streams[self.stream].random(public.size) < self.spec.strength]
        model.home_platform[movers] = self.index


class AmplifyPeriphery(Intervention):
    """Reach of targeted accounts (default: the public at or below the median follower
    count when it begins) is multiplied by 1 + s; undone at the end."""

    def begin(self, model):
        target = self.spec.target
        q = target.follower_quantile if target and target.follower_quantile is not None else 0.5
        public = model.is_public
        cut = np.quantile(model.followers[public], q)
        mask = public & (model.followers <= cut)
        if target is not None and target.strata is not None:
            mask &= self.strata_mask(model, None)[model.stratum]
        self.accounts = np.flatnonzero(mask)
        model.reach_boost[self.accounts] *= 1.0 + self.spec.strength
        model.refresh_weights()

    def finalize(self, model):
        model.reach_boost[self.accounts] /= 1.0 + self.spec.strength
        model.refresh_weights()


class ExpressionSupport(Intervention):
    """Silence thresholds of targeted strata (default: below-mean social capital) are
    multiplied by 1 - s; undone at the end."""

    def begin(self, model):
        strata = self.strata_mask(model, below_mean(stratum_values(model, "social_capital"),
                                                    model))
        self.accounts = np.flatnonzero(strata[model.stratum] & model.is_public)
        self.saved = model.silence_threshold[self.accounts].copy()
        model.silence_threshold[self.accounts] = (1.0 - self.spec.strength) * self.saved

    def finalize(self, model):
        model.silence_threshold[self.accounts] = self.saved


class BridgeStrata(Intervention):
    """Each active step a share s of the online public (of targeted strata, default all)
    replaces one random follow with a poster of another stratum, drawn by post weight.
    Lasting ties (homophilous rewiring may wear them away)."""

    def apply(self, model):
        rng = model.streams[self.stream]
        net = model.network
        degree = np.diff(net.indptr)
        strata = self.strata_mask(model, np.ones(len(model.stratum_names), bool))
        pool = np.flatnonzero(model.online & model.is_public & (degree > 0)
                              & strata[model.stratum])
        who = pool[rng.random(pool.size) < self.spec.strength]
        slot = net.indptr[who] + (rng.random(who.size) * degree[who]).astype(np.int64)
        u = rng.random(who.size)
        posters = np.flatnonzero(model.post_weight > 0)
        if who.size == 0 or posters.size == 0:
            return
        order = np.argsort(model.stratum[posters], kind="stable")
        posters = posters[order]
        cum = np.concatenate(([0.0], np.cumsum(model.post_weight[posters])))
        bounds = np.searchsorted(model.stratum[posters], np.arange(len(model.stratum_names) + 1))
        own = model.stratum[who]
        lo, hi = cum[bounds[own]], cum[bounds[own + 1]]
        # draw on the total minus the own stratum's block, then skip over that block
        point = u * (cum[-1] - (hi - lo))
        point = np.where(point >= lo, point + (hi - lo), point)
        ok = cum[-1] - (hi - lo) > 0
        pick = weighted_pick_in_blocks(cum, np.zeros(who.size, np.int64),
                                       np.full(who.size, posters.size), point / cum[-1])
        new = np.where(ok & (pick >= 0), posters[np.maximum(pick, 0)], -1)
        old = net.followees[slot]
        ok = (new >= 0) & (new != who) & (model.stratum[np.maximum(new, 0)] != own)
        net.followees[slot[ok]] = new[ok]
        model.followers += np.bincount(new[ok], minlength=model.n)
        model.followers -= np.bincount(old[ok], minlength=model.n)


RUNTIME = {
    "connectivity_programme": ConnectivityProgramme,
    "algorithm_reform": AlgorithmReform,
    "real_name_ip_display": RealNameIpDisplay,
    "new_public_platform": NewPublicPlatform,
    "traffic_cap": TrafficCap,
    "media_convergence": MediaConvergence,
    "literacy_campaign": LiteracyCampaign,
    "amplify_periphery": AmplifyPeriphery,
    "bridge_strata": BridgeStrata,
    "expression_support": ExpressionSupport,
}


class Compensation(Phase):
    """The compensating authority: runs the scenario's interventions, first in every step.

    For each intervention in file order: if it is due (window and ``when``), ``begin``
    on becoming active, then ``apply``; if it stops being due, ``finalize``.
    ``model.intervention_active`` records, per intervention, whether it acted in the
    step (written to interventions.csv).
    """

    name = "interventions"

    def init(self, model: OpinionEcologyModel) -> None:
        model.interventions = [RUNTIME[spec.type](spec, k)
                               for k, spec in enumerate(model.spec.interventions)]
        for item in model.interventions:
            item.init(model)
        model.intervention_active = np.zeros(len(model.interventions), dtype=bool)

    def step(self, model: OpinionEcologyModel) -> None:
        for k, item in enumerate(model.interventions):
            due = item.due(model)
            if due and not item.active:
                item.begin(model)
            elif item.active and not due:
                item.finalize(model)
            item.active = due
            if due:
                item.apply(model)
                item.active_steps += 1
            model.intervention_active[k] = due
