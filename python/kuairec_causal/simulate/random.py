"""Seeded randomness for the simulator.

Two kinds: named NumPy generators for catalogue draws, and a counter-based hash for per-row
draws. The hash makes row-level choices a pure function of (seed, world, user, day, slot), so
counterfactual worlds that replay a day make the same row-level choices without carrying a
generator's state around (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def stream(seed: int, *labels: object) -> np.random.Generator:
    """A generator for one named purpose; independent of every other label."""
    words = [zlib.crc32(str(label).encode()) for label in labels]
    return np.random.default_rng(np.random.SeedSequence([int(seed), *words]))


def splitmix64(x: np.ndarray) -> np.ndarray:
    """One mixing step of the hash, element-wise (also compiled as is by :mod:`._kernels`)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hash_start(seed: int, salt: int) -> np.uint64:
    """The accumulator the hash of (seed, salt, keys) starts from."""
    return np.uint64((seed * 1_000_003 + salt) & 0xFFFFFFFF)


def hash_uniform(seed: int, salt: int, *keys: np.ndarray | np.integer) -> np.ndarray:
    """Uniform(0, 1) numbers that depend only on (seed, salt, keys), element-wise."""
    with np.errstate(over="ignore"):
        acc = np.full(np.broadcast(*keys).shape, hash_start(seed, salt), dtype=np.uint64)
        for key in keys:
            acc = splitmix64(acc ^ np.asarray(key).astype(np.uint64))
    return unit_interval(acc)


def unit_interval(acc: np.ndarray) -> np.ndarray:
    """The hash's top 53 bits as a uniform number in [0, 1) (also compiled as is by :mod:`._kernels`)."""
    return (acc >> np.uint64(11)) * (1.0 / 9007199254740992.0)
