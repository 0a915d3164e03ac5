"""Integer finalisers: MurmurHash3's 32-bit one (datasketch's affine32 pre-mix), splitmix64."""

from __future__ import annotations

import numpy as np

_S1, _M1, _S2, _M2, _S3 = (
    np.uint32(16),
    np.uint32(0x85EBCA6B),
    np.uint32(13),
    np.uint32(0xC2B2AE35),
    np.uint32(16),
)


def fmix32(h: np.ndarray) -> np.ndarray:
    """Avalanche a uint32 array (a bijection); multiplication wraps modulo 2^32 on purpose."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> _S1)
        h = h * _M1
        h = h ^ (h >> _S2)
        h = h * _M2
        return h ^ (h >> _S3)


_K2, _K3 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (a bijection on uint64); multiplication wraps on purpose."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * _K2
        h = h ^ (h >> np.uint64(27))
        h = h * _K3
        return h ^ (h >> np.uint64(31))
