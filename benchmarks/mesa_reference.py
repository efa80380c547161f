"""Benchmark reference: the full step written the idiomatic Mesa way, one Python object per user.

    python benchmarks/mesa_reference.py --size 10000            # quick (under a minute)
    python benchmarks/mesa_reference.py --size 100000 --steps 3 # a few minutes
    python benchmarks/mesa_reference.py --size 10000 --json     # last line: RESULT {...}

Performance issue #7 asks that at 100,000 users our numpy engine be at least
100x faster per step than "an idiomatic object-per-user Mesa implementation of
the same step". This file is that implementation. It is a benchmark reference,
not part of the package: nothing in ``sim/`` imports it, and it does not try to
reproduce our numbers, only to do the same work per step.

How it is written (what a Mesa user would write):

* ``mesa.Model(rng=seed)``; every account is a ``mesa.discrete_space.CellAgent``
  placed on a cell of a ``mesa.discrete_space.Network`` built from the same follow
  network as our model (a networkx ``DiGraph``, reader -> followee). There is one
  agent class per role: ``Member`` (the public), ``Leader``, ``Bot`` and ``Outlet``.
  Each object holds its own opinion, stratum, tech_access, literacy,
  social_capital, reach, influence, chance to post, home platform, online /
  expressing / posted flags, perceived climate and silence threshold, follower
  count, attention, feed (a list of author objects) and ``followees`` (a list of
  agent objects, taken from its cell's connections).
* Platforms are small plain objects holding their parameters and, each step, the
  ranked list of posts of their users.
* Random activation: each agent phase is ``AgentSet.shuffle_do(method)``; per-agent
  random numbers come from ``self.random`` (the model's ``random.Random``, which is
  also what ``shuffle_do`` uses; a scalar draw from it is about ten times cheaper
  than from ``model.rng``, so the reference is not slowed by that choice).
  Weighted choices use ``random.choices`` with cumulative weights computed once
  per phase (or once per reader), never a linear scan per draw.
* A ``mesa.DataCollector`` with model reporters computes a subset of our per-step
  metrics (16 of the 25 in sim.engine.metrics.REGISTRY, disorder metrics included; none of
  our per-stratum and per-platform tables), each reporter with its own plain loop
  over agents or feeds.
* Python's garbage collector is left on, as in any Mesa model (at 100,000 users a
  full collection of about 2 s happens every few steps and is counted).

The phases mirror ``sim.engine.schedule.ECOLOGY_PHASES`` for ``scenarios/all_imbalances.yaml``:
activation, platform competition, expression, post-truth spread weight, exposure
(feeds of ``feed_size`` slots: followee posts picked by spread weight, or platform
recommendations ranked traffic-first with algorithmic bias over
``bias_candidates`` candidates and (|d| + offset)^-gamma weights), spiral of
silence, bounded-confidence update (synchronous, as ours: plan, then apply),
offline influence, follow rewiring, bookkeeping (attention; leaders, bots and the
outlet keep their stance), then the metrics. Compensation (interventions) and
platform adaptation are off in that scenario and are left out.

Both models are built from the scenario at the requested size (bots = 2 % of the
users, as ``bench_full.py``); the reference copies its initial state (opinions,
strata, roles, home platforms, follow ties, silence thresholds) from our freshly
built model. Build times are reported apart and not counted in the step times.
Both run with one BLAS thread (set below, before numpy is imported). Step times are
reported as wall clock and as CPU time of the process; on a shared machine the CPU
time is the steadier. Set ``OPINION_ECOLOGY_KERNELS=numpy`` to time our engine
without its compiled kernels.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

# one BLAS/OpenMP thread, as bench_full.py; must be set before numpy is imported
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import mesa  # noqa: E402
import networkx as nx  # noqa: E402
from mesa.discrete_space import CellAgent, Network  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "all_imbalances.yaml"
BOT_SHARE = 0.02  # the file's 200 bots per 10,000 users (bench_full.py)
RESULT_TAG = "RESULT "  # prefix of the --json line (read by benchmarks/run_all.py)


def sign(x: float) -> int:
    return (x > 0) - (x < 0)


# =========================================================================== platforms


class Platform:
    """A platform: its parameters and, each step, the ranked posts of its users."""

    def __init__(self, model: ReferenceModel, index: int, spec) -> None:
        self.model = model
        self.index = index
        self.name = spec.name
        self.appeal = spec.appeal
        self.stickiness = spec.stickiness
        self.traffic_weight = spec.traffic_weight
        self.gamma = spec.gamma
        self.redistribution = spec.redistribution
        self.posts: list[Account] = []  # this step's posts by users whose home is here
        self.cum_scores: list[float] = []  # their cumulative ranking scores

    def rank_posts(self, posts: list[Account]) -> None:
        """Traffic-first score s_k = w_k ((1 - tau) + tau e_k / e_bar), e_k = |x_k|^exponent,
        e_bar the w-weighted mean engagement of the platform's posts."""
        self.posts = posts
        tau = self.traffic_weight
        if tau == 0:
            scores = [a.post_weight for a in posts]
        else:
            exponent = self.model.engagement_exponent
            engagement = [abs(a.opinion) ** exponent for a in posts]
            mass = sum(a.post_weight for a in posts)
            eng_mass = sum(a.post_weight * e for a, e in zip(posts, engagement, strict=True))
            mean = eng_mass / mass if mass > 0 else 0.0
            scores = [a.post_weight * ((1.0 - tau) + tau * (e / mean if mean > 0 else 1.0))
                      for a, e in zip(posts, engagement, strict=True)]
        self.cum_scores = list(itertools.accumulate(scores))

    def recommend(self, reader: Account) -> Account | None:
        """One recommended post (its author) for ``reader``, or None."""
        model = self.model
        rnd = model.random
        # media convergence: a share of slots shows the outlets' posts (0 in this scenario)
        if self.redistribution > 0 and rnd.random() < self.redistribution:
            outlets = [o for o in model.outlets if o.post_weight > 0]
            if not outlets:
                return None
            return rnd.choices(outlets, weights=[o.post_weight for o in outlets])[0]
        if not self.posts or self.cum_scores[-1] <= 0:
            return None
        if self.gamma == 0:  # ranking alone
            return rnd.choices(self.posts, cum_weights=self.cum_scores)[0]
        # algorithmic bias: candidates by score, one kept with weight (|d| + offset)^-gamma
        candidates = rnd.choices(self.posts, cum_weights=self.cum_scores,
                                 k=model.bias_candidates)
        weights = [0.0 if c is reader else
                   (abs(c.opinion - reader.opinion) + model.bias_offset) ** -self.gamma
                   for c in candidates]
        if sum(weights) <= 0:
            return None
        return rnd.choices(candidates, weights=weights)[0]


# =========================================================================== accounts


class Account(CellAgent):
    """One account on one cell of the follow network: its own state, and its follows."""

    is_reader = False  # reads a feed (the public and leaders)

    def __init__(self, model: ReferenceModel, cell, opinion: float, stratum: int,
                 tech_access: float, literacy: float, social_capital: float,
                 post_chance: float, reach: float, influence: float, home: Platform,
                 followers: int) -> None:
        super().__init__(model)
        self.cell = cell
        self.opinion = opinion
        self.stratum = stratum
        self.tech_access = tech_access
        self.literacy = literacy
        self.social_capital = social_capital
        self.post_chance = post_chance
        self.reach = reach
        self.influence = influence
        self.home = home
        self.initial_home = home.index  # for the sanity check only
        self.followers = followers
        self.followees: list[Account] = []  # filled from the cell's connections
        self.online = False
        self.expressing = True
        self.posted = False
        self.post_weight = 0.0
        self.spread_weight = 0.0
        self.feed: list[Account] = []
        self.new_opinion = opinion
        self.impressions = 0
        self.attention = 0.0
        self.recent_attention = 0.0

    # -- 1. activation: leaders, bots and outlets are always online
    def activate(self) -> None:
        self.online = True

    # -- 3. expression: post with probability post_chance if online and expressing
    def express(self) -> None:
        self.posted = self.online and self.expressing and self.random.random() < self.post_chance
        self.post_weight = self.reach if self.posted else 0.0
        self.spread_weight = self.post_weight

    # -- 4. post-truth: intense posts travel further through follows
    def amplify(self) -> None:
        amplification = self.model.emotion_amplification
        if amplification > 0:
            self.spread_weight = self.post_weight * (1.0 + amplification * abs(self.opinion))

    # -- 10. bookkeeping: attention received
    def bookkeep(self) -> None:
        self.attention += self.impressions
        self.recent_attention = (self.recent_attention * self.model.attention_decay
                                 + self.impressions)


class Reader(Account):
    """An account that reads a feed and updates its opinion (the public and leaders)."""

    is_reader = True

    # -- 5. exposure: feed_size slots, each a followee's post or a recommendation
    def read_feed(self) -> None:
        if not self.online:
            self.feed = []
            return
        model = self.model
        rnd = self.random
        feed = []
        follow_cum = None  # cumulative spread weights of the followees, computed once
        for _ in range(model.feed_size):
            if rnd.random() < model.recommendation_share:
                author = self.home.recommend(self)
            else:
                if follow_cum is None:
                    follow_cum = list(itertools.accumulate(f.spread_weight
                                                           for f in self.followees))
                if follow_cum and follow_cum[-1] > 0:
                    author = rnd.choices(self.followees, cum_weights=follow_cum)[0]
                else:
                    author = None
            if author is not None and author is not self:  # never one's own post
                feed.append(author)
        self.feed = feed

    # -- 7. bounded confidence toward what was read (synchronous: plan, then apply)
    def plan_update(self) -> None:
        eps = self.model.confidence
        pull = mass = 0.0
        for author in self.feed:
            diff = author.opinion - self.opinion
            if abs(diff) < eps:
                pull += author.influence * diff
                mass += author.influence
        self.new_opinion = self.opinion
        if mass > 0:
            moved = self.opinion + self.model.convergence * pull / mass
            self.new_opinion = min(1.0, max(-1.0, moved))

    def apply_update(self) -> None:
        self.opinion = self.new_opinion


class Member(Reader):
    """A member of the public."""

    def __init__(self, *args, threshold: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.threshold = threshold  # spiral of silence: speak while climate >= threshold
        self.climate = 1.0

    def activate(self) -> None:
        self.online = self.random.random() < self.tech_access

    # -- 2. platform competition: reconsider the home platform (network effects)
    def reconsider_platform(self) -> None:
        model = self.model
        chance = model.reconsider_rate * (1.0 - self.home.stickiness)
        if self.random.random() < chance:
            self.home = self.random.choices(model.platforms, cum_weights=model.attraction)[0]

    # -- 6. spiral of silence: the climate of the feed decides who speaks
    def judge_climate(self) -> None:
        support = mass = 0.0
        own = sign(self.opinion)
        for author in self.feed:
            side = sign(author.opinion)
            if side != 0:
                mass += author.influence
                if side == own:
                    support += author.influence
        if mass > 0:
            memory = self.model.silence_memory
            self.climate = memory * self.climate + (1.0 - memory) * support / mass
            self.expressing = self.climate >= self.threshold

    # -- 8. offline influence: offline users talk with one of their ties (a follow, as ours).
    # self.cell.neighborhood.select_random_agent() would be the Network-native way, but
    # Mesa builds and caches a CellCollection per cell on first use (about 1.4 s per step
    # at 100,000 users); the follow list is cheaper, so the reference uses it.
    def talk_offline(self) -> None:
        model = self.model
        if self.online or not self.followees or self.random.random() >= model.offline_rate:
            return
        tie = self.random.choice(self.followees)
        gap = tie.opinion - self.opinion
        if abs(gap) < model.confidence:
            self.opinion += model.convergence * gap

    # -- 9. follow rewiring: drop a discordant follow, follow a popular like-minded poster
    def rewire_follows(self) -> None:
        model = self.model
        rnd = self.random
        if not self.online or not self.followees or rnd.random() >= model.follow_rate:
            return
        slot = int(rnd.random() * len(self.followees))
        old = self.followees[slot]
        concordant = abs(old.opinion - self.opinion) < model.confidence
        if concordant and rnd.random() >= model.drop_concordant:
            return
        if rnd.random() < model.stratum_homophily:
            pool, cum = model.posters_by_stratum[self.stratum]
        else:
            pool, cum = model.posters, model.posters_cum
        if not pool:
            return
        candidates = rnd.choices(pool, cum_weights=cum, k=model.follow_candidates)
        new = next((c for c in candidates
                    if abs(c.opinion - self.opinion) < model.confidence), None)
        if new is None or new is self or new is old:
            return
        self.followees[slot] = new
        new.followers += 1
        old.followers -= 1


class Leader(Reader):
    """An opinion leader: reads and posts; pulled back toward its agenda each step."""

    def __init__(self, *args, agenda: float, stubbornness: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agenda = agenda
        self.stubbornness = stubbornness

    def bookkeep(self) -> None:
        super().bookkeep()
        self.opinion += self.stubbornness * (self.agenda - self.opinion)


class Bot(Account):
    """A bot of a campaign: posts its stance every step, reads nothing."""

    def __init__(self, *args, stance: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stance = stance

    def bookkeep(self) -> None:
        super().bookkeep()
        self.opinion = self.stance


class Outlet(Bot):
    """The mainstream outlet's account: like a bot, with the outlet's reach and stance."""


# =========================================================================== model


class ReferenceModel(mesa.Model):
    """The full step of ``all_imbalances.yaml`` with one Mesa agent per account."""

    def __init__(self, ours, seed: int) -> None:
        """Copy the initial state of ``ours`` (a freshly built OpinionEcologyModel)."""
        super().__init__(rng=seed)
        spec = ours.spec
        dyn = spec.dynamics
        self.feed_size = dyn.feed_size
        self.recommendation_share = dyn.recommendation_share
        self.confidence = dyn.confidence
        self.convergence = dyn.convergence
        self.engagement_exponent = dyn.engagement_exponent
        self.bias_offset = dyn.bias_offset
        self.bias_candidates = dyn.bias_candidates
        self.emotion_amplification = dyn.emotion_amplification
        self.silence_memory = dyn.silence.memory
        self.offline_rate = dyn.offline.rate
        self.follow_rate = dyn.follows.rate
        self.drop_concordant = dyn.follows.drop_concordant
        self.stratum_homophily = dyn.follows.stratum_homophily
        self.follow_candidates = dyn.follows.candidates
        self.follow_alpha = dyn.follows.alpha
        self.reconsider_rate = dyn.competition.reconsider_rate
        self.eta = dyn.competition.eta
        halflife = spec.metrics.attention_halflife
        self.attention_decay = 1.0 if halflife is None else 0.5 ** (1.0 / halflife)
        self.sensational_threshold = spec.metrics.sensational_threshold
        self.n_strata = len(ours.state.stratum_names)
        self.build_times: dict[str, float] = {}

        # the space: a Network on the same follow ties (reader -> followee)
        started = time.perf_counter()
        n = ours.state.n
        graph = nx.DiGraph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(ours.state.network.readers.tolist(),
                                 ours.state.network.followees.tolist(), strict=True))
        self.build_times["networkx graph"] = time.perf_counter() - started
        started = time.perf_counter()
        self.network = Network(graph, capacity=1, random=self.random, layout=None)
        self.build_times["mesa Network"] = time.perf_counter() - started

        # one agent per account, each on its cell, with its own copy of its state
        started = time.perf_counter()
        self.platforms = [Platform(self, i, p) for i, p in enumerate(spec.platforms)]
        role = {}
        for k, acc in enumerate(ours.state.leader_accounts.tolist()):
            role[acc] = (Leader, {"agenda": float(ours.state.leader_agenda[k]),
                                  "stubbornness": float(ours.state.leader_stubbornness[k])})
        for campaign in ours.bot_campaigns:
            for acc in campaign.accounts.tolist():
                role[acc] = (Bot, {"stance": campaign.stance})
        for outlet in ours.outlets:
            for acc in outlet.accounts.tolist():
                role[acc] = (Outlet, {"stance": outlet.stance})
        state = ours.state
        columns = [state.opinion, state.stratum, state.tech_access, state.literacy,
                   state.social_capital, state.post_chance, state.reach, state.influence,
                   state.home_platform, state.followers, state.silence_threshold]
        rows = zip(*(c.tolist() for c in columns), strict=True)
        for i, (x, s, a, lit, cap, chance, reach, infl, home, fol, theta) in enumerate(rows):
            cls, extra = role.get(i, (Member, {"threshold": theta}))
            cls(self, self.network[i], x, s, a, lit, cap, chance, reach, infl,
                self.platforms[home], fol, **extra)
        for agent in self.agents:
            agent.followees = [c.agents[0] for c in agent.cell.connections.values()]
        self.public = self.agents_by_type[Member]
        self.readers = self.agents.select(lambda a: a.is_reader)
        self.outlets = list(self.agents_by_type[Outlet])
        self.initial_opinion = {a.unique_id: a.opinion for a in self.public}
        self.build_times["agents"] = time.perf_counter() - started

        self.phase_time: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(model_reporters={
            "online_share": online_share, "silent_share": silent_share,
            "opinion_mean": opinion_mean, "polarization": polarization,
            "posts": posts, "attention_gini": attention_gini,
            "attention_top1_share": attention_top1_share, "bot_share": bot_share,
            "cocoon_index": cocoon_index, "visibility_gap": visibility_gap,
            "voice_gap": voice_gap, "sensational_share": sensational_share,
            "mainstream_reach": mainstream_reach, "platform_hhi": platform_hhi,
            "cross_stratum_exposure": cross_stratum_exposure, "majority_gap": majority_gap,
            "feed_length": feed_length,
        })

    # ---------------------------------------------------------------- the step

    def step(self) -> None:
        """The phases of sim.engine.schedule.ECOLOGY_PHASES in order (0. compensation and 2b.
        platform adaptation are off in all_imbalances.yaml), then the metrics; each
        phase's time is added to ``phase_time``."""
        for name, phase in (
            ("activation", lambda: self.agents.shuffle_do("activate")),
            ("competition", self.platform_competition),
            ("expression", lambda: self.agents.shuffle_do("express")),
            ("post_truth", lambda: self.agents.shuffle_do("amplify")),
            ("exposure", self.exposure),
            ("silence", lambda: self.public.shuffle_do("judge_climate")),
            ("opinion_update", self.opinion_update),
            ("offline", lambda: self.public.shuffle_do("talk_offline")),
            ("follows", self.follow_dynamics),
            ("bookkeeping", self.bookkeeping),
            ("metrics", lambda: self.datacollector.collect(self)),
        ):
            started = time.perf_counter()
            phase()
            self.phase_time[name] = self.phase_time.get(name, 0.0) + (
                time.perf_counter() - started)

    def platform_competition(self) -> None:
        """Attraction appeal_p * share_p^eta from the shares at the start of the step."""
        counts = {p: 0 for p in self.platforms}
        for member in self.public:
            counts[member.home] += 1
        total = max(1, len(self.public))
        self.attraction = list(itertools.accumulate(
            p.appeal * (counts[p] / total) ** self.eta for p in self.platforms))
        if self.attraction[-1] > 0:
            self.public.shuffle_do("reconsider_platform")

    def exposure(self) -> None:
        """Each platform ranks its users' posts, then every reader fills its feed."""
        posts = {p: [] for p in self.platforms}
        for agent in self.agents:
            if agent.post_weight > 0:
                posts[agent.home].append(agent)
        for p in self.platforms:
            p.rank_posts(posts[p])
        self.readers.shuffle_do("read_feed")

    def opinion_update(self) -> None:
        self.readers.shuffle_do("plan_update")
        self.readers.do("apply_update")

    def follow_dynamics(self) -> None:
        """Popularity weights (followers + 1)^alpha of this step's posters, overall and
        by stratum, then each online member may rewire one follow."""
        posters = [a for a in self.agents if a.post_weight > 0]
        pull = [(a.followers + 1.0) ** self.follow_alpha for a in posters]
        self.posters = posters
        self.posters_cum = list(itertools.accumulate(pull))
        by_stratum: list[tuple[list, list]] = []
        for s in range(self.n_strata):
            members = [(a, w) for a, w in zip(posters, pull, strict=True) if a.stratum == s]
            by_stratum.append(([a for a, _ in members],
                               list(itertools.accumulate(w for _, w in members))))
        self.posters_by_stratum = by_stratum
        self.public.shuffle_do("rewire_follows")

    def bookkeeping(self) -> None:
        for agent in self.agents:
            agent.impressions = 0
        for reader in self.readers:
            for author in reader.feed:
                author.impressions += 1
        self.agents.do("bookkeep")


# =========================================================================== metrics
# DataCollector model reporters: a subset of sim.engine.metrics, plain loops.


def public_impressions(model: ReferenceModel):
    """(reader, author) for each impression read by the public this step."""
    for reader in model.public:
        for author in reader.feed:
            yield reader, author


def online_share(model: ReferenceModel) -> float:
    return sum(1 for a in model.public if a.online) / len(model.public)


def silent_share(model: ReferenceModel) -> float:
    return sum(1 for a in model.public if not a.expressing) / len(model.public)


def opinion_mean(model: ReferenceModel) -> float:
    return sum(a.opinion for a in model.public) / len(model.public)


def polarization(model: ReferenceModel) -> float:
    """Mean |x_i - x_j| over all ordered pairs of the public (from sorted opinions)."""
    x = sorted(a.opinion for a in model.public)
    n = len(x)
    return max(0.0, 2.0 * sum((2 * k - (n - 1)) * v for k, v in enumerate(x)) / (n * n))


def posts(model: ReferenceModel) -> float:
    return sum(1 for a in model.agents if a.posted)


def _people_attention(model: ReferenceModel) -> list[float]:
    return [a.recent_attention for a in model.readers]


def attention_gini(model: ReferenceModel) -> float:
    v = sorted(_people_attention(model))
    n, total = len(v), sum(v)
    if n == 0 or total <= 0:
        return 0.0
    return 2.0 * sum((k + 1) * x for k, x in enumerate(v)) / (n * total) - (n + 1.0) / n


def attention_top1_share(model: ReferenceModel) -> float:
    v = sorted(_people_attention(model), reverse=True)
    total = sum(v)
    if total <= 0:
        return 0.0
    return sum(v[: max(1, math.ceil(0.01 * len(v)))]) / total


def bot_share(model: ReferenceModel) -> float:
    seen = bots = 0
    for _, author in public_impressions(model):
        seen += 1
        bots += isinstance(author, Bot) and not isinstance(author, Outlet)
    return bots / seen if seen else 0.0


def cocoon_index(model: ReferenceModel) -> float:
    gaps = [abs(r.opinion - a.opinion) for r, a in public_impressions(model)]
    return sum(gaps) / len(gaps) if gaps else 0.0


def _cdf(values: list[float], bins: int = 400) -> list[float]:
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v + 1.0) / 2.0 * bins))] += 1
    total = sum(counts)
    return [c / total for c in itertools.accumulate(counts)] if total else []


def visibility_gap(model: ReferenceModel) -> float:
    """W1(opinions of the public, opinions seen by the public) / 2, on a 400-bin grid."""
    everyone = _cdf([a.opinion for a in model.public])
    seen = _cdf([a.opinion for _, a in public_impressions(model)])
    if not everyone or not seen:
        return 0.0
    return min(1.0, sum(abs(p - q) for p, q in zip(everyone, seen, strict=True))
               * (2.0 / 400) / 2.0)


def voice_gap(model: ReferenceModel) -> float:
    """Share of the public's impressions of public posts by low-access strata, minus
    their share of the public (low access: tech_access below the public's mean)."""
    mean_access = sum(a.tech_access for a in model.public) / len(model.public)
    low = {a for a in model.public if a.tech_access < mean_access - 1e-12}
    heard = low_heard = 0
    for _, author in public_impressions(model):
        if isinstance(author, Member):
            heard += 1
            low_heard += author in low
    return low_heard / heard - len(low) / len(model.public) if heard else 0.0


def sensational_share(model: ReferenceModel) -> float:
    seen = extreme = 0
    for _, author in public_impressions(model):
        seen += 1
        extreme += abs(author.opinion) >= model.sensational_threshold
    return extreme / seen if seen else 0.0


def mainstream_reach(model: ReferenceModel) -> float:
    online = sum(1 for a in model.public if a.online)
    reached = sum(1 for a in model.public if any(isinstance(s, Outlet) for s in a.feed))
    return reached / online if online else 0.0


def platform_hhi(model: ReferenceModel) -> float:
    counts = {p: 0 for p in model.platforms}
    for a in model.public:
        counts[a.home] += 1
    return sum((c / len(model.public)) ** 2 for c in counts.values())


def cross_stratum_exposure(model: ReferenceModel) -> float:
    same = other = 0
    for reader, author in public_impressions(model):
        if isinstance(author, Member):
            if reader.stratum == author.stratum:
                same += 1
            else:
                other += 1
    return (other - same) / (other + same) if other + same else 0.0


def majority_gap(model: ReferenceModel) -> float:
    public = [a for a in model.public if a.opinion != 0]
    said = [a for a in public if a.posted]
    if not said or not public:
        return 0.0
    return (sum(a.opinion > 0 for a in said) / len(said)
            - sum(a.opinion > 0 for a in public) / len(public))


def feed_length(model: ReferenceModel) -> float:
    """Mean feed length of the online readers (a sanity check, not one of our metrics)."""
    lengths = [len(a.feed) for a in model.readers if a.online]
    return sum(lengths) / len(lengths) if lengths else 0.0


# =========================================================================== benchmark


def build_ours(size: int, seed: int, steps: int):
    """Our model from scenarios/all_imbalances.yaml at ``size`` users (bots: 2 %)."""
    from sim.engine.model import OpinionEcologyModel
    from sim.engine.scenarios import load_scenario

    bots = max(1, round(BOT_SHARE * size))
    scenario = load_scenario(SCENARIO, [f"population.size={size}", f"run.steps={steps}",
                                        f"run.seed={seed}"])  # bots: share 0.02
    return OpinionEcologyModel(scenario, rng=seed), bots


def time_steps(model, steps: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process) per step over ``steps`` steps. On a
    shared machine the CPU time is the steadier of the two (one thread each)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        model.step()
    return (time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps


def sanity(ref: ReferenceModel) -> dict:
    """Evidence that the reference does the work: opinions move, feeds fill, users fall
    silent, follows are rewired, users change platform."""
    moved = [abs(a.opinion - ref.initial_opinion[a.unique_id]) for a in ref.public]
    frame = ref.datacollector.get_model_vars_dataframe()
    last = frame.iloc[-1]
    return {
        "mean_abs_opinion_change": sum(moved) / len(moved),
        "share_public_moved": sum(1 for m in moved if m > 1e-12) / len(moved),
        "mean_feed_length_online_readers": float(last["feed_length"]),
        "silent_share": float(last["silent_share"]),
        "follows_rewired": sum(1 for a in ref.public
                               for f, g in zip(a.followees, _initial_followees(a), strict=True)
                               if f is not g),
        "public_off_initial_platform": sum(1 for a in ref.public
                                           if a.home.index != a.initial_home),
        "last_metrics": {k: round(float(v), 4) for k, v in last.items()},
    }


def _initial_followees(agent: Account) -> list[Account]:
    return [c.agents[0] for c in agent.cell.connections.values()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="users (default 10000)")
    parser.add_argument("--steps", type=int, default=3,
                        help="timed steps of the reference (default 3)")
    parser.add_argument("--ref-warmup", type=int, default=1,
                        help="untimed warm-up steps of the reference (default 1)")
    parser.add_argument("--ours-steps", type=int, default=20,
                        help="timed steps of our model, after one warm-up (default 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true",
                        help="end with one line 'RESULT {json}' holding the numbers")
    args = parser.parse_args()
    log = print if not args.json else (lambda *a, **k: print(*a, **k, file=sys.stderr))

    commit = _git(["rev-parse", "--short", "HEAD"])
    dirty = bool(_git(["status", "--porcelain", "--untracked-files=no", "--", "sim"]))
    log(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, Mesa {mesa.__version__}; commit {commit}"
        f"{' (sim/ has uncommitted changes)' if dirty else ''}; load average "
        "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    # ---- build both (not timed as steps)
    started = time.perf_counter()
    ours, bots = build_ours(args.size, args.seed, args.ours_steps + 1)
    ours_build = time.perf_counter() - started
    log(f"{args.size:,} users, {bots:,} bots, {ours.state.network.n_ties:,} follow ties; "
        f"our build {ours_build:.1f} s", flush=True)
    started = time.perf_counter()
    ref = ReferenceModel(ours, args.seed)
    ref_build = time.perf_counter() - started
    log(f"reference build {ref_build:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in ref.build_times.items()) + ")", flush=True)

    # ---- the reference's steps
    for _ in range(args.ref_warmup):
        started = time.perf_counter()
        ref.step()
        log(f"reference warm-up step {time.perf_counter() - started:.2f} s", flush=True)
    ref.phase_time.clear()
    ref_per_step, ref_cpu = time_steps(ref, args.steps)
    log(f"reference: {args.steps} steps in {ref_per_step * args.steps:.1f} s", flush=True)
    checks = sanity(ref)
    ref_phases = {k: v / args.steps for k, v in ref.phase_time.items()}
    build_parts = dict(ref.build_times)
    del ref  # free the networkx graph and the agents before timing ours
    gc.collect()

    # ---- our steps
    try:
        from sim.engine.kernels import active_backend

        kernels = active_backend()  # numba or numpy
    except ImportError:
        kernels = "numpy"

    ours.step()  # warm-up (first-call costs, e.g. the bias table)
    ours_per_step, ours_cpu = time_steps(ours, args.ours_steps)

    result = {
        "size": args.size, "bots": bots, "ties": int(ours.state.network.n_ties),
        "ref_steps": args.steps, "ref_s_per_step": ref_per_step, "ref_build_s": ref_build,
        "ref_build_parts_s": build_parts,
        "ours_steps": args.ours_steps, "ours_s_per_step": ours_per_step,
        "ours_build_s": ours_build, "ratio": ref_per_step / ours_per_step,
        "ref_cpu_s_per_step": ref_cpu, "ours_cpu_s_per_step": ours_cpu,
        "cpu_ratio": ref_cpu / ours_cpu,
        "ref_phase_s_per_step": ref_phases, "kernels": kernels,
        "commit": commit, "sim_dirty": dirty, "sanity": checks,
        "load_average": os.getloadavg(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    log()
    header = (f"{'users':>9} {'reference s/step':>17} {'ours s/step':>12} {'ratio':>8} "
              f"{'reference build':>16}")
    log(header)
    log("-" * len(header))
    log(f"{args.size:>9,} {ref_per_step:>17.3f} {ours_per_step:>12.4f} "
        f"{ref_per_step / ours_per_step:>7.1f}x {ref_build:>15.1f}s   (wall clock)")
    log(f"{'':>9} {ref_cpu:>17.3f} {ours_cpu:>12.4f} {ref_cpu / ours_cpu:>7.1f}x "
        f"{'':>16}   (CPU time)")
    log(f"ours: {kernels} kernels, {args.ours_steps} steps after 1 warm-up; reference: "
        f"{args.steps} steps after {args.ref_warmup} warm-up; build times not counted; "
        f"peak RSS {result['peak_rss_mb']:.0f} MB")
    log("\nreference phases (s/step): " + ", ".join(
        f"{k} {v:.3f}" for k, v in sorted(ref_phases.items(), key=lambda kv: -kv[1])))
    log("sanity: " + json.dumps({k: v for k, v in checks.items() if k != "last_metrics"}))
    # the same metrics of our model at the same step (different random draws: roughly equal)
    frame = ours.metrics_frame().set_index("step")
    step = min(args.ref_warmup + args.steps, int(frame.index.max()))
    log(f"metrics, reference at step {args.ref_warmup + args.steps} / ours at step {step}:")
    for name, value in checks["last_metrics"].items():
        theirs = f"{frame.loc[step, name]:.4f}" if name in frame.columns else "-"
        log(f"  {name:<24} {value:>9.4f} {theirs:>9}")
    if args.json:
        print(RESULT_TAG + json.dumps(result), flush=True)


def _git(command: list[str]) -> str:
    try:
        return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    main()
