"""Recommendation (market power): how a platform ranks posts for its users' feeds.

* :func:`recommend` fills recommendation slots of feeds. Platform p ranks the
  posts of its own users with the score
  ``s_k = w_k * ((1 - tau_p) + tau_p * e_k / e_bar_p)`` where w_k is the post
  weight (reach), e_k = |x_k|^engagement_exponent the post's engagement, e_bar_p
  the w-weighted mean engagement on p and tau_p its ``traffic_weight`` (0 = rank
  by reach alone, 1 = by engagement alone). With algorithmic bias gamma_p > 0,
  ``bias_candidates`` posts are drawn by score and the reader sees one of them
  with probability ~ (|x_reader - x_k| + bias_offset)^(-gamma_p) (sampling
  importance resampling of Sirbu et al. 2019's biased choice; the weight is read
  from a fine table, :func:`sim.engine.kernels.ecology.bias_table`). A share
  ``redistribution`` of a commercial platform's slots shows the mainstream
  outlets' posts instead (media convergence).
* Popularity amplification (the Matthew effect of technology power): with
  alpha = ``popularity_amplification`` > 0 each score is multiplied by
  ``A_k = (1 + f_k / f_bar)^alpha``, f_k the author's followers and f_bar the
  mean followers over all accounts, so the already popular are recommended
  more (:func:`popularity_factor`).
* Actors with interests: a platform with a ``stance`` (position c_p, weight
  lambda_p > 0) multiplies each score by ``F_k = exp(-lambda_p |x_k - c_p|)``, so its
  ranking favours posts close to its agenda (:func:`stance_factor`; docs/model.md 3.15).

Used by :class:`sim.engine.mechanisms.exposure.Exposure` for its recommendation slots.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.config.dynamics import Dynamics
from sim.engine.kernels.ecology import bias_table, biased_choice, pick_in_blocks
from sim.engine.state import EcologyState


def ranking_scores(state: EcologyState, posters: np.ndarray,
                   engagement_exponent: float, popularity_amplification: float = 0.0
                   ) -> np.ndarray:
    """Score of each poster's post on its home platform (traffic-first mix of reach and
    engagement, times the popularity amplification; see the module docstring)."""
    score = _traffic_scores(state, posters, engagement_exponent)
    if state.platform_stance_weight.any():
        score = score * stance_factor(state, posters)
    if popularity_amplification == 0:
        return score
    return score * popularity_factor(state, posters, popularity_amplification)


def stance_factor(state: EcologyState, posters: np.ndarray) -> np.ndarray:
    """F_k = exp(-lambda_p |x_k - c_p|) with p the post's platform, c_p its stance position
    and lambda_p its stance weight (F = 1 on a platform without a stance or weight 0):
    the platform's ranking favours posts close to its interest."""
    platform = state.home_platform[posters]
    weight = state.platform_stance_weight[platform]
    distance = np.abs(state.opinion[posters] - np.nan_to_num(state.platform_stance[platform]))
    return np.exp(-weight * distance)


def popularity_factor(state: EcologyState, posters: np.ndarray, alpha: float) -> np.ndarray:
    """A_k = (1 + f_k / f_bar)^alpha: f_k the author's followers, f_bar the mean followers
    of all accounts (A = 1 if f_bar = 0). The Matthew effect of technology power."""
    mean = state.followers.mean() if state.n else 0.0
    if mean <= 0:
        return np.ones(posters.size)
    return (1.0 + state.followers[posters] / mean) ** alpha


def _traffic_scores(state: EcologyState, posters: np.ndarray,
                    engagement_exponent: float) -> np.ndarray:
    weight = state.post_weight[posters]
    tau = state.platform_traffic_weight[state.home_platform[posters]]
    if not tau.any():
        return weight
    engagement = np.abs(state.opinion[posters]) ** engagement_exponent
    platform = state.home_platform[posters]
    mass = np.bincount(platform, weights=weight, minlength=state.n_platforms)
    eng_mass = np.bincount(platform, weights=weight * engagement, minlength=state.n_platforms)
    mean = np.divide(eng_mass, mass, out=np.zeros_like(mass), where=mass > 0)
    ratio = np.divide(engagement, mean[platform], out=np.ones_like(engagement),
                      where=mean[platform] > 0)
    return weight * ((1.0 - tau) + tau * ratio)


def recommend(state: EcologyState, dyn: Dynamics, reader: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """One recommended post (author id, or -1 for nothing) per entry of ``reader``, from
    the reader's home platform (see the module docstring); ``dyn`` is the scenario's
    ``dynamics`` section."""
    out = np.full(reader.size, -1, dtype=np.int64)
    home = state.home_platform[reader]
    u_route = rng.random(reader.size)
    u_pick = rng.random(reader.size)

    # media convergence: a share of commercial slots carries the outlets' posts
    to_outlet = u_route < state.platform_redistribution[home]
    if to_outlet.any():
        outlets = state.outlet_accounts[state.post_weight[state.outlet_accounts] > 0]
        if outlets.size:
            cum = np.concatenate(([0.0], np.cumsum(state.post_weight[outlets])))
            k = to_outlet.sum()
            pick = pick_in_blocks(cum, np.zeros(k, np.int64), np.full(k, outlets.size),
                                  u_pick[to_outlet])
            out[to_outlet] = np.where(pick >= 0, outlets[np.maximum(pick, 0)], -1)

    ranked = ~to_outlet
    posters = np.flatnonzero(state.post_weight > 0)
    if posters.size == 0 or not ranked.any():
        return out
    order = np.argsort(state.home_platform[posters], kind="stable")
    posters = posters[order]
    scores = ranking_scores(state, posters, dyn.engagement_exponent,
                            dyn.popularity_amplification)
    cum = np.concatenate(([0.0], np.cumsum(scores)))
    bounds = np.searchsorted(state.home_platform[posters], np.arange(state.n_platforms + 1))

    gamma = state.platform_gamma[home].copy()
    # algorithm reform's diversity quota: a share of slots is filled without bias
    gamma[u_route >= 1.0 - state.platform_diversity_quota[home]] = 0.0
    plain = ranked & (gamma == 0)
    if plain.any():
        h = home[plain]
        pick = pick_in_blocks(cum, bounds[h], bounds[h + 1], u_pick[plain])
        out[plain] = np.where(pick >= 0, posters[np.maximum(pick, 0)], -1)

    biased = np.flatnonzero(ranked & (gamma > 0))
    if biased.size:
        draws = rng.random((biased.size, dyn.bias_candidates))
        v = rng.random(biased.size)
        out[biased] = biased_choice(cum, bounds, posters, state.opinion, reader[biased],
                                    home[biased], draws, v,
                                    bias_weights(state.platform_gamma, dyn.bias_offset))
    return out


@lru_cache(maxsize=16)
def _bias_weight_table(gamma: bytes, offset: float) -> np.ndarray:
    return bias_table(np.frombuffer(gamma, dtype=np.float64), offset)


def bias_weights(gamma: np.ndarray, offset: float) -> np.ndarray:
    """The platforms' bias weight tables (:func:`sim.engine.kernels.ecology.bias_table`),
    kept while gamma and the offset hold (a small cache keyed by their values)."""
    return _bias_weight_table(np.asarray(gamma, dtype=np.float64).tobytes(), float(offset))
