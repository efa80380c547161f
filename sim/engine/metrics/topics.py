"""Several issues (population.topics > 1): aggregate and per-issue measures.

With one issue none of these is recorded (the family ``"topics"``, see
:mod:`sim.engine.metrics.registry`): metrics.csv keeps its columns. With several, the
other metrics read ``state.opinion``, the opinions on the issue discussed in the step
(the one issue with a feed), and these add the measures across issues, plus two
columns per issue k: ``polarization_topic_<k>`` and ``salience_topic_<k>``.
"""

from __future__ import annotations

import numpy as np

from sim.engine.metrics.basic import mean_abs_difference
from sim.engine.metrics.registry import Snapshot, metric

TOPICS = ("topics",)
PER_TOPIC_FIELDS = ("polarization", "salience")


def per_topic_names(topics: int) -> list[str]:
    """The per-issue columns of metrics.csv: <field>_topic_<k> for each field and issue."""
    return [f"{field}_topic_{k}" for field in PER_TOPIC_FIELDS for k in range(topics)]


def _opinions(state) -> np.ndarray:
    """(K, n) opinions per issue; with one issue, the opinions as a single row (so that
    each measure is defined, if not recorded, for any scenario)."""
    return state.opinion[None, :] if state.topic_opinion is None else state.topic_opinion


def _salience(state) -> np.ndarray:
    return state.topic_salience if state.topic_salience.size else np.ones(1)


def topic_polarizations(s: Snapshot) -> np.ndarray:
    """Polarisation (mean absolute difference, as ``polarization``) of the public on each
    issue; computed once per snapshot."""
    key = "polarization_topic_0"
    state = s.state
    table = _opinions(state)
    k = table.shape[0]
    if key not in s._values:
        x = np.sort(table[:, state.is_public], axis=1)
        for j in range(k):
            s._values[f"polarization_topic_{j}"] = mean_abs_difference(x[j])
    return np.array([s._values[f"polarization_topic_{j}"] for j in range(k)])


def per_topic_values(s: Snapshot) -> list[float]:
    """The values of :func:`per_topic_names`, in its order."""
    salience = _salience(s.state)
    return [*topic_polarizations(s).tolist(), *(salience / salience.sum()).tolist()]


@metric("discussed_topic", 0.0, np.inf, families=TOPICS)
def discussed_topic(s: Snapshot) -> float:
    """Index of the issue discussed in the step (the one the other metrics read)."""
    return float(s.state.discussed_topic)


@metric("salience_concentration", 0.0, 1.0, families=TOPICS)
def salience_concentration(s: Snapshot) -> float:
    """Share of the most salient issue in the total salience, max_k s_k / sum_k s_k
    (1/K with equal salience, 1 when one issue holds all attention)."""
    salience = _salience(s.state)
    return float(salience.max() / salience.sum())


@metric("issue_alignment", 0.0, 1.0, families=TOPICS)
def issue_alignment(s: Snapshot) -> float:
    """Pan-politicisation as one cleavage: mean over pairs of issues j < l of
    |corr(x_j, x_l)| over the public (Pearson; a pair with an issue at consensus counts
    0). 0 = independent issues, 1 = every issue divides the public the same way."""
    state = s.state
    table = _opinions(state)
    k = table.shape[0]
    if k < 2:
        return 0.0
    x = table[:, state.is_public]
    x = x - x.mean(axis=1, keepdims=True)
    norm = np.sqrt(np.einsum("ij,ij->i", x, x))
    ok = norm > 1e-12
    x = x[ok] / norm[ok, None]
    corr = np.abs(x @ x.T)
    pairs = k * (k - 1) / 2
    return float(min(1.0, (corr.sum() - np.trace(corr)) / 2.0 / pairs))


@metric("issue_polarization", 0.0, 1.0, families=TOPICS)
def issue_polarization(s: Snapshot) -> float:
    """Mean over issues of the public's polarisation on each (``polarization`` per issue,
    the columns polarization_topic_<k>)."""
    return float(topic_polarizations(s).mean())
