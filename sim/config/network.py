"""Scenario section ``network``: the follow network's generator and its parameters.

Also the two pieces of network arithmetic that validation needs: the block model's
tie probabilities (:func:`sbm_probabilities`) and the reading of a user's edge-list
file (:func:`read_edge_list`, checked when the scenario is loaded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.config.errors import ScenarioError
from sim.config.fields import Probability, Strict


class BarabasiAlbert(Strict):
    """Preferential attachment (Barabasi & Albert 1999): hubs, degree exponent 3."""

    generator: Literal["barabasi_albert"]
    m: int = Field(10, ge=1, description="Edges of each new node; mean degree ~ 2m. Default: "
                   "chosen for ~20 follows per user (see docs/model.md).")


class WattsStrogatz(Strict):
    """Small world (Watts & Strogatz 1998): ring lattice with rewiring."""

    generator: Literal["watts_strogatz"]
    k: int = Field(20, ge=2, description="Each node is joined to its k nearest ring neighbours.")
    p: Probability = Field(0.1, description="Rewiring probability.")


class StochasticBlock(Strict):
    """Stochastic block model with the strata as blocks and tunable homophily."""

    generator: Literal["stochastic_block"]
    mean_degree: float = Field(20.0, gt=0.0, description="Expected number of ties per user.")
    homophily: Probability = Field(
        0.8,
        description="Expected share of all ties that join users of the same stratum. "
        "Default chosen (strong stratum homophily; see docs/model.md).",
    )


class PowerlawCluster(Strict):
    """Holme & Kim (2002): preferential attachment with triadic closure."""

    generator: Literal["powerlaw_cluster"]
    m: int = Field(10, ge=1, description="Edges of each new node.")
    p: Probability = Field(0.5, description="Probability of closing a triangle after each edge.")


class CompleteGraph(Strict):
    """Everyone follows everyone (the mixing of Deffuant et al. 2000)."""

    generator: Literal["complete"]


class EdgeListFile(Strict):
    """A user's own network: one ``u v`` pair of integer ids per line (``#`` comments)."""

    generator: Literal["edge_list"]
    path: str = Field(description="File path, relative to the scenario file.")
    directed: bool = Field(
        False, description="If true, 'u v' means u follows v; else the tie is mutual."
    )


NetworkSpec = Annotated[
    BarabasiAlbert
    | WattsStrogatz
    | StochasticBlock
    | PowerlawCluster
    | CompleteGraph
    | EdgeListFile,
    Field(discriminator="generator"),
]


GENERATORS = ("barabasi_albert", "watts_strogatz", "stochastic_block", "powerlaw_cluster",
              "complete", "edge_list")


def sbm_probabilities(sizes: np.ndarray, mean_degree: float, homophily: float) -> np.ndarray:
    """Block tie probabilities giving the requested mean degree and share of within-stratum ties.

    p_aa = h d / (n_a - 1);  p_ab = (1 - h) d N / sum_a n_a (N - n_a)  (a != b).
    In expectation the mean degree is d and a share h of ties is within strata.
    With a single non-empty stratum there are no cross pairs: p = d / (N - 1) (an
    Erdos-Renyi graph). Strata of 0 or 1 accounts get p_aa = 0 (no pairs to join).
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    total = sizes.sum()
    if np.count_nonzero(sizes) == 1:  # one non-empty stratum: no cross pairs exist
        probs = np.zeros((sizes.size, sizes.size))
        k = int(np.flatnonzero(sizes)[0])
        probs[k, k] = mean_degree / max(total - 1.0, 1.0)
        return probs
    # strata of 0 or 1 accounts have no within pairs
    within = np.where(sizes > 1, homophily * mean_degree / np.maximum(sizes - 1.0, 1.0), 0.0)
    cross_pairs = float(np.sum(sizes * (total - sizes)))
    across = (1.0 - homophily) * mean_degree * total / cross_pairs if cross_pairs > 0 else 0.0
    probs = np.full((sizes.size, sizes.size), across)
    np.fill_diagonal(probs, within)
    return probs


def read_edge_list(path: Path, n: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Read ``u v`` integer pairs; blank lines and ``#`` comments are skipped.

    Ids must lie in [0, n). Any bad line is reported with its line number.
    """
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise ScenarioError(f"{where}: edge-list file not found: {path}") from None
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read edge-list file {path}: {exc.strerror}") from None
    us: list[int] = []
    vs: list[int] = []
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                text = line.split("#", 1)[0].strip()
                if not text:
                    continue
                fields = text.split()
                if len(fields) != 2 or not all(f.isascii() and f.isdigit() for f in fields):
                    raise ScenarioError(
                        f"{where}: {path}:{number}: expected two non-negative integer ids "
                        f"'u v'; got {line.strip()[:60]!r}"
                    )
                a, b = int(fields[0]), int(fields[1])
                if a >= n or b >= n:
                    raise ScenarioError(
                        f"{where}: {path}:{number}: id {max(a, b)} out of range; ids must be "
                        f"0..{n - 1} (population.size = {n})"
                    )
                us.append(a)
                vs.append(b)
        except UnicodeDecodeError:
            raise ScenarioError(f"{where}: {path}: not a UTF-8 text file") from None
    if not us:
        raise ScenarioError(f"{where}: {path}: no edges found")
    if all(a == b for a, b in zip(us, vs, strict=True)):
        raise ScenarioError(f"{where}: {path}: only self-ties (u u) found; no follow ties left")
    return np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64)
