"""The 32-bit MurmurHash3 finalizer (datasketch's pre-mix for the affine32 scheme)."""

from __future__ import annotations

import numpy as np

_S1, _M1, _S2, _M2, _S3 = (
    np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16)
)


def fmix32(h: np.ndarray) -> np.ndarray:
    """Avalanche a uint32 array (a bijection); multiplication wraps modulo 2^32 on purpose."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> _S1)
        h = h * _M1
        h = h ^ (h >> _S2)
        h = h * _M2
        return h ^ (h >> _S3)
