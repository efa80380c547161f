"""Market power: platform ranking (traffic first, algorithmic bias) and platform competition.

* :func:`recommend` fills recommendation slots of feeds. Platform p ranks the
  posts of its own users with the score
  ``s_k = w_k * ((1 - tau_p) + tau_p * e_k / e_bar_p)`` where w_k is the post
  weight (reach), e_k = |x_k|^engagement_exponent the post's engagement, e_bar_p
  the w-weighted mean engagement on p and tau_p its ``traffic_weight`` (0 = rank
  by reach alone, 1 = by engagement alone). With algorithmic bias gamma_p > 0,
  ``bias_candidates`` posts are drawn by score and the reader sees one of them
  with probability ~ (|x_reader - x_k| + bias_offset)^(-gamma_p) (sampling
  importance resampling of Sirbu et al. 2019's biased choice; the weight is read
  from a fine table, :func:`sim.kernels.bias_table`). A share
  ``redistribution`` of a commercial platform's slots shows the mainstream
  outlets' posts instead (media convergence).
* :class:`PlatformCompetition` moves users between platforms with network
  effects: P(choose p) ~ appeal_p * share_p^eta.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.phases import Phase

if TYPE_CHECKING:
    from sim.model import OpinionEcologyModel


def weighted_pick_in_blocks(
    cum: np.ndarray, lo: np.ndarray, hi: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Index in [lo, hi) picked with probability ~ weight, from the cumulative sums ``cum``
    (``cum[k]`` = sum of weights before item k) and uniforms ``u``; -1 where the block
    is empty or has zero weight (:func:`sim.kernels.pick_in_blocks`)."""
    from sim.kernels import pick_in_blocks  # local: numba loads only when a model steps

    return pick_in_blocks(cum, lo, hi, u)


def ranking_scores(model: OpinionEcologyModel, posters: np.ndarray) -> np.ndarray:
    """Score of each poster's post on its home platform (traffic-first mix of reach and
    engagement; see the module docstring)."""
    weight = model.post_weight[posters]
    tau = model.platform_traffic_weight[model.home_platform[posters]]
    if not tau.any():
        return weight
    engagement = np.abs(model.opinion[posters]) ** model.spec.dynamics.engagement_exponent
    platform = model.home_platform[posters]
    mass = np.bincount(platform, weights=weight, minlength=model.n_platforms)
    eng_mass = np.bincount(platform, weights=weight * engagement, minlength=model.n_platforms)
    mean = np.divide(eng_mass, mass, out=np.zeros_like(mass), where=mass > 0)
    ratio = np.divide(engagement, mean[platform], out=np.ones_like(engagement),
                      where=mean[platform] > 0)
    return weight * ((1.0 - tau) + tau * ratio)


def recommend(
    model: OpinionEcologyModel, reader: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One recommended post (author id, or -1 for nothing) per entry of ``reader``."""
    dyn = model.spec.dynamics
    out = np.full(reader.size, -1, dtype=np.int64)
    home = model.home_platform[reader]
    u_route = rng.random(reader.size)
    u_pick = rng.random(reader.size)

    # media convergence: a share of commercial slots carries the outlets' posts
    to_outlet = u_route < model.platform_redistribution[home]
    if to_outlet.any():
        outlets = model.outlet_accounts[model.post_weight[model.outlet_accounts] > 0]
        if outlets.size:
            cum = np.concatenate(([0.0], np.cumsum(model.post_weight[outlets])))
            k = to_outlet.sum()
            pick = weighted_pick_in_blocks(cum, np.zeros(k, np.int64),
                                           np.full(k, outlets.size), u_pick[to_outlet])
            out[to_outlet] = np.where(pick >= 0, outlets[np.maximum(pick, 0)], -1)

    ranked = ~to_outlet
    posters = np.flatnonzero(model.post_weight > 0)
    if posters.size == 0 or not ranked.any():
        return out
    order = np.argsort(model.home_platform[posters], kind="stable")
    posters = posters[order]
    cum = np.concatenate(([0.0], np.cumsum(ranking_scores(model, posters))))
    bounds = np.searchsorted(model.home_platform[posters], np.arange(model.n_platforms + 1))

    gamma = model.platform_gamma[home].copy()
    # algorithm reform's diversity quota: a share of slots is filled without bias
    gamma[u_route >= 1.0 - model.platform_diversity_quota[home]] = 0.0
    plain = ranked & (gamma == 0)
    if plain.any():
        h = home[plain]
        pick = weighted_pick_in_blocks(cum, bounds[h], bounds[h + 1], u_pick[plain])
        out[plain] = np.where(pick >= 0, posters[np.maximum(pick, 0)], -1)

    biased = np.flatnonzero(ranked & (gamma > 0))
    if biased.size:
        from sim.kernels import biased_choice

        draws = rng.random((biased.size, dyn.bias_candidates))
        v = rng.random(biased.size)
        out[biased] = biased_choice(cum, bounds, posters, model.opinion, reader[biased],
                                    home[biased], draws, v, _bias_weights(model))
    return out


def _bias_weights(model: OpinionEcologyModel) -> np.ndarray:
    """The platforms' bias weight tables (sim.kernels.bias_table), kept while gamma holds."""
    from sim.kernels import bias_table

    key = (model.platform_gamma.tobytes(), model.spec.dynamics.bias_offset)
    cached = getattr(model, "_bias_table", None)
    if cached is None or cached[0] != key:
        cached = (key, bias_table(model.platform_gamma, model.spec.dynamics.bias_offset))
        model._bias_table = cached
    return cached[1]


def platform_shares(model: OpinionEcologyModel) -> np.ndarray:
    """Share of the public whose home is each platform."""
    counts = np.bincount(model.home_platform[model.is_public], minlength=model.n_platforms)
    return counts / max(1, model.n_public)


class PlatformCompetition(Phase):
    """Users reconsider their home platform; network effects decide where they go.

    Each member of the public reconsiders with probability
    reconsider_rate * (1 - stickiness of its home platform) * (1 + churn_sensitivity *
    d_i), capped at 1, where d_i is the share of i's last feed outside its confidence
    bound (0 if it read nothing), and then picks
    platform p with probability appeal_p * share_p^eta / sum_q appeal_q * share_q^eta
    (shares at the start of the step; it may pick its old platform). eta > 1
    makes the large absorb the small (monopoly); eta < 1 evens shares out.
    A platform with no users attracts none unless eta = 0.
    """

    name = "competition"

    def step(self, model: OpinionEcologyModel) -> None:
        spec = model.spec.dynamics.competition
        if spec.reconsider_rate == 0 or model.n_platforms < 2:
            return
        rng = model.streams[self.name]
        chance = spec.reconsider_rate * (1.0 - model.platform_stickiness[model.home_platform])
        if spec.churn_sensitivity > 0 and model.feed.size:
            chance = np.minimum(1.0, chance * (1.0 + spec.churn_sensitivity * discord(model)))
        before = np.bincount(model.home_platform[model.is_public], minlength=model.n_platforms)
        movers = np.flatnonzero(model.is_public & (rng.random(model.n) < chance))
        shares = platform_shares(model)
        attraction = model.platform_appeal * shares**spec.eta
        if movers.size == 0 or attraction.sum() <= 0:
            return
        cum = np.cumsum(attraction / attraction.sum())
        choice = np.searchsorted(cum, rng.random(movers.size) * cum[-1], side="right")
        old = model.home_platform[movers]
        new = np.minimum(choice, model.n_platforms - 1).astype(model.home_platform.dtype)
        model.home_platform[movers] = new
        left = np.bincount(old[new != old], minlength=model.n_platforms)
        model.platform_churn = left / np.maximum(before, 1)


def discord(model: OpinionEcologyModel) -> np.ndarray:
    """Per account: share of its last feed outside its confidence bound (0 if it read none)."""
    feed = model.feed
    x = model.opinion
    far = np.abs(x[feed.source] - x[feed.reader]) >= model.spec.dynamics.confidence
    count = np.bincount(feed.reader, minlength=model.n)
    bad = np.bincount(feed.reader, weights=far, minlength=model.n)
    return np.divide(bad, count, out=np.zeros(model.n), where=count > 0)


class PlatformAdaptation(Phase):
    """Unconscious adjustment: commercial platforms tune personalisation to their churn.

    After competition, each commercial platform p with churn c_p (share of its users
    who left this step) moves its algorithmic bias
    gamma_p <- clip(gamma_p + rate * (c_p - tolerated_churn) / tolerated_churn, 0, max_gamma):
    losing more users than it can afford, it personalises more (feeds closer to
    readers' views, so fewer disagreeable posts, so less churn when users'
    churn_sensitivity > 0); losing fewer, it personalises less. No policy is
    involved: economic incentives alone move the ecology toward cocoons when
    users punish disagreement, and back when they do not. Off when rate = 0.
    """

    name = "adaptation"

    def step(self, model: OpinionEcologyModel) -> None:
        spec = model.spec.dynamics.adaptation
        churn = getattr(model, "platform_churn", None)
        if spec.rate == 0 or churn is None:
            return
        commercial = np.array([p.kind == "commercial" for p in model.platforms])
        push = spec.rate * (churn - spec.tolerated_churn) / spec.tolerated_churn
        adapted = np.clip(model.platform_gamma + push, 0.0, spec.max_gamma)
        model.platform_gamma[:] = np.where(commercial, adapted, model.platform_gamma)
