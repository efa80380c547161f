"""Mesa agents for the few heavyweight actors, and light views onto user rows.

Platforms, opinion leaders, bot campaigns and mainstream outlets are ``mesa.Agent``
subclasses registered in ``model.agents``. Their state (opinion, followers, platform
parameters, ...) lives in the arrays of ``model.state``; the agents hold their fixed
parameters and read the arrays through properties, so there is one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.config.actors import PlatformSpec
from sim.engine.state import Ecology


class Platform(mesa.Agent):
    """A platform: home of some users, source of recommendations in their feeds.

    Its parameters (``appeal``, ``stickiness``, ``traffic_weight``, ``gamma``,
    ``redistribution``) are read from the state's per-platform arrays, so that a
    policy changing ``model.state.platform_gamma`` is seen here too.
    """

    def __init__(self, model: Ecology, index: int, spec: PlatformSpec) -> None:
        super().__init__(model)
        self.index = index
        self.name = spec.name
        self.kind = spec.kind

    def _param(self, field: str) -> float:
        return float(getattr(self.model.state, f"platform_{field}")[self.index])

    @property
    def appeal(self) -> float:
        return self._param("appeal")

    @property
    def stickiness(self) -> float:
        return self._param("stickiness")

    @property
    def traffic_weight(self) -> float:
        return self._param("traffic_weight")

    @property
    def gamma(self) -> float:
        return self._param("gamma")

    @property
    def redistribution(self) -> float:
        return self._param("redistribution")

    @property
    def n_users(self) -> int:
        """Number of public users whose home platform this is."""
        state = self.model.state
        return int(np.count_nonzero((state.home_platform == self.index) & state.is_public))

    @property
    def share(self) -> float:
        """Share of the public whose home platform this is."""
        return self.n_users / max(1, self.model.state.n_public)

    def __repr__(self) -> str:
        return f"Platform({self.name!r}, kind={self.kind!r}, share={self.share:.3f})"


class OpinionLeader(mesa.Agent):
    """An opinion leader owning one account: pushes an agenda with high activity and reach.

    The ``k``-th leader owns ``state.leader_accounts[k]``; its agenda and stubbornness are
    ``state.leader_agenda[k]`` and ``state.leader_stubbornness[k]``; its reach and
    activity are the scenario's ``leaders`` section."""

    def __init__(self, model: Ecology, k: int) -> None:
        super().__init__(model)
        state, spec = model.state, model.spec.leaders
        self.account = int(state.leader_accounts[k])
        self.agenda = float(state.leader_agenda[k])
        self.reach = float(spec.reach)
        self.activity = float(spec.activity)
        self.stubbornness = float(state.leader_stubbornness[k])

    @property
    def opinion(self) -> float:
        return float(self.model.state.opinion[self.account])

    @property
    def followers(self) -> int:
        return int(self.model.state.followers[self.account])

    def __repr__(self) -> str:
        return (f"OpinionLeader(account={self.account}, agenda={self.agenda:+.2f}, "
                f"opinion={self.opinion:+.3f}, followers={self.followers})")


class BotCampaign(mesa.Agent):
    """A holder of technology power running a set of bot accounts with one fixed stance."""

    def __init__(
        self,
        model: Ecology,
        name: str,
        accounts: np.ndarray,
        stance: float,
        volume: float,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.accounts = np.asarray(accounts, dtype=np.int64)
        self.stance = float(stance)
        self.volume = float(volume)

    @property
    def impressions(self) -> int:
        """Impressions that the campaign's posts received so far."""
        return int(self.model.state.attention[self.accounts].sum())

    def __repr__(self) -> str:
        return (f"BotCampaign({self.name!r}, bots={self.accounts.size}, "
                f"stance={self.stance:+.2f}, volume={self.volume:g})")


class MainstreamOutlet(mesa.Agent):
    """A mainstream-media outlet: publishes on its own (mainstream) platform with a fixed line;
    reaches most people only when commercial platforms redistribute its posts."""

    def __init__(
        self,
        model: Ecology,
        platform: str,
        accounts: np.ndarray,
        stance: float,
        reach: float,
    ) -> None:
        super().__init__(model)
        self.platform = platform
        self.accounts = np.asarray(accounts, dtype=np.int64)
        self.stance = float(stance)
        self.reach = float(reach)

    @property
    def impressions(self) -> int:
        """Impressions that the outlet's posts received so far."""
        return int(self.model.state.attention[self.accounts].sum())

    def __repr__(self) -> str:
        return (f"MainstreamOutlet({self.platform!r}, accounts={self.accounts.size}, "
                f"stance={self.stance:+.2f}, reach={self.reach:g})")


@dataclass(frozen=True)
class UserView:
    """A read-only snapshot of one account's row (``model.user(i)``)."""

    id: int
    opinion: float
    stratum: str
    tech_access: float
    literacy: float
    social_capital: float
    expressing: bool
    online: bool
    home_platform: str
    followers: int
    following: int
    attention: float
    role: str  # "public", "leader", "bot" or "outlet"
