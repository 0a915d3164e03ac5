"""Compact in-process stores for dedup indexes: record ids, and 64-bit keys -> record numbers.

- :class:`IdStore`: ids appended in one byte buffer with 4-byte end offsets; a 16-character
  lower-case hex id (the ids selfreflect makes) is packed into 8 bytes: 8 bytes per id while
  all ids are such (no offsets needed), 12 once another id was stored, against ~65 for a
  Python ``str`` in a list.
- :class:`KeyIndex`: sorted runs of (uint64 key, uint32 number), 12 bytes per key, merged like
  a log-structured tree; lookups and inserts go by batches, in numpy.
"""

from __future__ import annotations

from array import array

import numpy as np

_PACKED = 1 << 31  # flag in an end offset: this id is 16 hex digits packed into 8 bytes
_HEX = frozenset("0123456789abcdef")


class IdStore:
    """Append-only list of record ids, ``store[i]`` gives the i-th back.

    While every id is 16 hex digits they sit in 8-byte slots (no offsets); the first other id
    switches the store to end offsets (4 bytes per id)."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.ends: array[int] | None = None  # None: 8-byte slots only

    def append(self, record_id: str) -> None:
        """Store one id."""
        packed = len(record_id) == 16 and _HEX.issuperset(record_id)
        if self.ends is None:
            if packed:
                self.blob += bytes.fromhex(record_id)
                return
            self.ends = array("I", range(_PACKED + 8, _PACKED + len(self.blob) + 8, 8))
        if packed:
            self.blob += bytes.fromhex(record_id)
            self.ends.append(len(self.blob) | _PACKED)
        else:
            self.blob += record_id.encode("utf-8", "surrogatepass")
            self.ends.append(len(self.blob))
        if len(self.blob) >= _PACKED:
            raise OverflowError("more than 2 GB of record ids in one dedup index")

    def extend(self, record_ids: list[str]) -> None:
        """Store ids in order."""
        if self.ends is None and all(len(r) == 16 for r in record_ids):
            joined = "".join(record_ids)
            if _HEX.issuperset(joined):  # the usual case: made ids only, one call for all
                self.blob += bytes.fromhex(joined)
                return
        for record_id in record_ids:
            self.append(record_id)

    def __getitem__(self, i: int) -> str:
        if self.ends is None:
            if not 0 <= i < len(self.blob) >> 3:
                raise IndexError(i)
            return self.blob[8 * i : 8 * i + 8].hex()
        end = self.ends[i]
        start = self.ends[i - 1] & ~_PACKED if i else 0
        if end & _PACKED:
            return self.blob[start : end & ~_PACKED].hex()
        return self.blob[start:end].decode("utf-8", "surrogatepass")

    def __len__(self) -> int:
        return len(self.blob) >> 3 if self.ends is None else len(self.ends)

    @property
    def nbytes(self) -> int:
        """Bytes in use (not counting spare capacity)."""
        return len(self.blob) + (0 if self.ends is None else 4 * len(self.ends))


class KeyIndex:
    """uint64 keys -> the uint32 record number first stored under each (12 bytes per key)."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The number stored under each key, -1 where there is none."""
        out = np.full(len(keys), -1, dtype=np.int64)
        for run_keys, run_numbers in self.runs:
            pos = np.searchsorted(run_keys, keys)
            pos[pos == len(run_keys)] = 0
            hit = (run_keys[pos] == keys) & (out < 0)
            out[hit] = run_numbers[pos[hit]]
        return out

    def add(self, keys: np.ndarray, numbers: np.ndarray) -> None:
        """Store keys (distinct, not stored yet) under record numbers."""
        order = np.argsort(keys)
        self.runs.append((keys[order], numbers.astype(np.uint32)[order]))
        while len(self.runs) > 1 and len(self.runs[-1][0]) * 2 >= len(self.runs[-2][0]):
            (k2, n2), (k1, n1) = self.runs.pop(), self.runs.pop()
            k, n = np.concatenate([k1, k2]), np.concatenate([n1, n2])
            order = np.argsort(k, kind="stable")
            self.runs.append((k[order], n[order]))

    @property
    def nbytes(self) -> int:
        """Bytes held by the runs."""
        return sum(k.nbytes + n.nbytes for k, n in self.runs)
