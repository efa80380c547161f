"""The documented order of one step: one mechanism per line, one file per mechanism.

===  =====================  ======================================================
 0   Compensation           the scenario's interventions act
                            (mechanisms/compensation.py -> interventions.py)
 0b  IncumbentAdaptation    leaders capture amplification and join new public
                            platforms while these compensations run
                            (dynamics.incumbents, off by default)
                            (mechanisms/incumbents.py)
 0c  TopicChoice            several issues: salience (traffic first raises the
                            divisive) and the issue discussed in the step
                            (population.topics > 1; mechanisms/topics.py)
 1   Activation             who is online (technology power: tech_access)
                            (mechanisms/activation.py)
 2   PlatformCompetition    users migrate between platforms (market power)
                            (mechanisms/competition.py)
 2b  PlatformInnovation     lagging platforms innovate: appeal rises
                            (unconscious adjustment; adaptation.mode innovation,
                            off by default) (mechanisms/innovation.py)
 2c  PlatformAdaptation     platforms tune personalisation to their churn
                            (adaptation.mode personalisation, off by default)
                            (mechanisms/adaptation.py)
 2d  PlatformMarketPower    data feedback: appeal grows with share; small
                            platforms absorbed (dynamics.endogenous, off by
                            default) (mechanisms/market_power.py)
 2e  PowerCoupling          platform power scales the outlet's reach, users'
                            influence and the agenda (dynamics.coupling, off by
                            default) (mechanisms/coupling.py)
 3   Expression             who posts (literacy, leaders, bots, outlets)
                            (mechanisms/expression.py)
 4   PostTruth              intense posts travel further (social power)
                            (mechanisms/post_truth.py)
 5   Exposure               feeds: followees' posts + platform recommendations
                            (mechanisms/exposure.py; ranking, traffic first,
                            algorithmic bias: mechanisms/recommendation.py)
 6   SpiralOfSilence        who falls silent or speaks again (social power)
                            (mechanisms/silence.py)
 7   OpinionUpdate          bounded confidence toward what was read
                            (mechanisms/opinion_update.py)
 8   OfflineInfluence       offline users talk with family and neighbours
                            (mechanisms/offline.py)
 9   FollowDynamics         Matthew effect and homophilous rewiring (social power)
                            (mechanisms/follows.py)
9b  LeaderHarvest          readers of recommended leader posts follow them
                            (dynamics.endogenous.leader_harvest, off by default)
                            (mechanisms/harvest.py)
10   Bookkeeping            attention; leaders, bots and outlets keep their stance
                            (mechanisms/bookkeeping.py)
11   Spillover              the change on the discussed issue spills over to the
                            others (pan-politicisation; population.topics > 1,
                            off by default) (mechanisms/spillover.py)
12   CapitalDynamics        social capital follows attention and voice
                            (dynamics.endogenous.capital_rate, off by default)
                            (mechanisms/capital.py)
13   AccessDiffusion        access and literacy diffuse per stratum (logistic;
                            dynamics.endogenous, off by default)
                            (mechanisms/diffusion.py)
===  =====================  ======================================================

After the phases, the model records every registered metric
(:mod:`sim.engine.metrics`). Every mechanism is off at its default parameters, which
leaves the classic feed-based bounded-confidence core (docs/model.md, "Textbook
limit"). A classic model (``dynamics.model``) replaces the whole list with its one
phase (:mod:`sim.engine.classic`).
"""

from __future__ import annotations

from sim.config import Scenario
from sim.engine.classic import CLASSIC_PHASES
from sim.engine.mechanisms.activation import Activation
from sim.engine.mechanisms.adaptation import PlatformAdaptation
from sim.engine.mechanisms.base import Phase
from sim.engine.mechanisms.bookkeeping import Bookkeeping
from sim.engine.mechanisms.capital import CapitalDynamics
from sim.engine.mechanisms.compensation import Compensation
from sim.engine.mechanisms.competition import PlatformCompetition
from sim.engine.mechanisms.coupling import PowerCoupling
from sim.engine.mechanisms.diffusion import AccessDiffusion
from sim.engine.mechanisms.exposure import Exposure
from sim.engine.mechanisms.expression import Expression
from sim.engine.mechanisms.follows import FollowDynamics
from sim.engine.mechanisms.harvest import LeaderHarvest
from sim.engine.mechanisms.incumbents import IncumbentAdaptation
from sim.engine.mechanisms.innovation import PlatformInnovation
from sim.engine.mechanisms.market_power import PlatformMarketPower
from sim.engine.mechanisms.offline import OfflineInfluence
from sim.engine.mechanisms.opinion_update import OpinionUpdate
from sim.engine.mechanisms.post_truth import PostTruth
from sim.engine.mechanisms.silence import SpiralOfSilence
from sim.engine.mechanisms.spillover import Spillover
from sim.engine.mechanisms.topics import TopicChoice

ECOLOGY_PHASES: tuple[type[Phase], ...] = (
    Compensation,
    IncumbentAdaptation,
    TopicChoice,
    Activation,
    PlatformCompetition,
    PlatformInnovation,
    PlatformAdaptation,
    PlatformMarketPower,
    PowerCoupling,
    Expression,
    PostTruth,
    Exposure,
    SpiralOfSilence,
    OpinionUpdate,
    OfflineInfluence,
    FollowDynamics,
    LeaderHarvest,
    Bookkeeping,
    Spillover,
    CapitalDynamics,
    AccessDiffusion,
)


def phases_for(scenario: Scenario) -> tuple[type[Phase], ...]:
    """The step's phases: the ecology's (above), or the one phase of a classic model."""
    if scenario.dynamics.model == "bounded_confidence":
        return ECOLOGY_PHASES
    return (CLASSIC_PHASES[scenario.dynamics.model],)
