"""Scenario section ``network``: the follow network's generator and its parameters.

Also the two pieces of network arithmetic that validation needs: the block model's
tie probabilities (:func:`sbm_probabilities`) and the reading of a user's edge-list
file (:func:`read_edge_list`, checked when the scenario is loaded).
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.config.errors import ScenarioError
from sim.config.fields import Probability, Strict
from sim.config.files import NotARegularFile, open_regular


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


MAX_EDGE_LIST_BYTES = 2 * 1024**3  # chosen: ~130 million 'u v' lines, 6x a million-user network
MAX_EDGE_LIST_LINE = 10_000  # chosen: a line holds two ids and perhaps a comment
MAX_ID_DIGITS = 18  # an id below population.size (at most 50,000,000) has 8; int64 holds 18


def _shown_id(field: str) -> str:
    return field if len(field) <= 20 else f"{field[:12]}... ({len(field)} digits)"


def _lines(handle: io.TextIOBase, path: Path, where: str) -> Iterator[str]:
    """The file's lines (without line ends), read in blocks: never more than
    ``MAX_EDGE_LIST_LINE`` characters of one line, nor ``MAX_EDGE_LIST_BYTES`` characters in
    all (the file may have grown since its size was checked)."""
    def too_long(number: int) -> ScenarioError:
        return ScenarioError(f"{where}: {path}:{number}: line longer than {MAX_EDGE_LIST_LINE} "
                             f"characters; expected two non-negative integer ids 'u v'")
    pending = ""
    number = 0
    read = 0
    while chunk := handle.read(1 << 20):
        read += len(chunk)
        if read > MAX_EDGE_LIST_BYTES:
            raise ScenarioError(f"{where}: {path}: edge-list files are limited to "
                                f"{MAX_EDGE_LIST_BYTES} bytes")
        lines = (pending + chunk).split("\n")
        pending = lines.pop()
        for line in lines:
            number += 1
            if len(line) > MAX_EDGE_LIST_LINE:
                raise too_long(number)
            yield line
        if len(pending) > MAX_EDGE_LIST_LINE:
            raise too_long(number + 1)
    if pending:
        yield pending


def read_edge_list(path: Path, n: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Read ``u v`` integer pairs; blank lines and ``#`` comments are skipped.

    Ids must lie in [0, n). Any bad line is reported with its line number. Only a regular
    file of at most ``MAX_EDGE_LIST_BYTES`` is read: a directory, a device (``/dev/zero``)
    or a named pipe is refused from its ``stat``, before it is opened.
    """
    try:
        raw, size = open_regular(path)
    except FileNotFoundError:
        raise ScenarioError(f"{where}: edge-list file not found: {path}") from None
    except NotARegularFile as exc:
        raise ScenarioError(f"{where}: cannot read edge-list file {path}: it is {exc.kind}, "
                            f"not a regular file (expected a text file of 'u v' lines)") from None
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read edge-list file {path}: {exc.strerror}") from None
    us = array("q")
    vs = array("q")
    with raw, io.TextIOWrapper(raw, encoding="utf-8", newline=None) as handle:
        if size > MAX_EDGE_LIST_BYTES:
            raise ScenarioError(f"{where}: {path}: file is {size} bytes; edge-list files are "
                                f"limited to {MAX_EDGE_LIST_BYTES} bytes")
        try:
            number = 0
            for line in _lines(handle, path, where):
                number += 1
                text = line.split("#", 1)[0].strip()
                if not text:
                    continue
                fields = text.split()
                if len(fields) != 2 or not (fields[0].isascii() and fields[0].isdigit()
                                            and fields[1].isascii() and fields[1].isdigit()):
                    raise ScenarioError(
                        f"{where}: {path}:{number}: expected two non-negative integer ids "
                        f"'u v'; got {line.strip()[:60]!r}"
                    )
                if len(fields[0]) > MAX_ID_DIGITS or len(fields[1]) > MAX_ID_DIGITS:
                    shown_id = _shown_id(max(fields, key=len))  # int() refuses 4,300+ digits
                    raise ScenarioError(
                        f"{where}: {path}:{number}: id {shown_id} out of range; ids must be "
                        f"0..{n - 1} (population.size = {n})"
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
    u = np.frombuffer(us, dtype=np.int64).copy()
    v = np.frombuffer(vs, dtype=np.int64).copy()
    if np.array_equal(u, v):
        raise ScenarioError(f"{where}: {path}: only self-ties (u u) found; no follow ties left")
    return u, v
