"""The documented order of one step of the opinion ecology.

0. Compensation          the scenario's interventions act (sim/interventions.py)
1. Activation            who is online (technology power: tech_access)
2. PlatformCompetition   users migrate between platforms (market power)
2b. PlatformAdaptation   platforms tune personalisation to their churn (unconscious
                         adjustment, off by default)
3. Expression            who posts (literacy, leaders, bots, outlets)
4. PostTruth             intense posts travel further (social power)
5. Exposure              feeds: followees' posts + platform recommendations
                         (traffic-first ranking, algorithmic bias, redistribution)
6. SpiralOfSilence       who falls silent or speaks again (social power)
7. OpinionUpdate         bounded confidence toward what was read
8. OfflineInfluence      offline users talk with family and neighbours
9. FollowDynamics        Matthew effect and homophilous rewiring (social power)
10. Bookkeeping          attention; leaders, bots and outlets keep their stance

Every mechanism is off at its default parameters, which leaves the classic
feed-based bounded-confidence core (see docs/model.md, "Textbook limit").
"""

from __future__ import annotations

from sim.divide import OfflineInfluence
from sim.interventions import Compensation
from sim.market import PlatformAdaptation, PlatformCompetition
from sim.phases import (
    Activation,
    Bookkeeping,
    Exposure,
    Expression,
    OpinionUpdate,
    Phase,
    PostTruth,
)
from sim.social import FollowDynamics, SpiralOfSilence

DEFAULT_PHASES: tuple[type[Phase], ...] = (
    Compensation,
    Activation,
    PlatformCompetition,
    PlatformAdaptation,
    Expression,
    PostTruth,
    Exposure,
    SpiralOfSilence,
    OpinionUpdate,
    OfflineInfluence,
    FollowDynamics,
    Bookkeeping,
)
