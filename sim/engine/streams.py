"""Named, independent random streams spawned from one run seed.

Each phase or mechanism asks for its stream by name. The stream depends only on
(seed, name), so switching a mechanism on or off never reshuffles the random
numbers of the others (common random numbers between scenarios).
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name (CRC-32; independent of Python's hash seed)."""
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """Factory of ``numpy.random.Generator`` objects keyed by name."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._streams.get(name)
        if gen is None:
            seq = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._streams[name] = gen
        return gen

    def int_seed(self, name: str) -> int:
        """A 63-bit integer seed drawn from stream ``name`` (for libraries that need one)."""
        return int(self[name].integers(0, 2**63 - 1))
