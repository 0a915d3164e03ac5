"""Where band buckets live: in process (numpy, default) or datasketch's MinHashLSH (dict/Redis)."""

from __future__ import annotations

import pickle
import uuid
from typing import Any, Protocol

import numpy as np

from selfreflect.dedup.lsh import BandIndex


class CandidateIndex(Protocol):
    """Finds indexed records that share a band with a signature."""

    def query(self, signatures: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (row of ``signatures``, record number); ``keys`` are their band keys
        (:func:`selfreflect.dedup.lsh.band_keys`, which an index hashing bands itself ignores)."""
        ...

    def add(self, signatures: np.ndarray, keys: np.ndarray, numbers: np.ndarray) -> None:
        """Index signatures (with their band keys) under record numbers."""
        ...

    def close(self) -> None:
        """Free external resources."""
        ...

    @property
    def nbytes(self) -> int:
        """Bytes held in this process."""
        ...


class NumpyIndex:
    """The default: band keys in sorted numpy runs (5 bytes per band per record)."""

    def __init__(self) -> None:
        self.index = BandIndex()

    def query(self, signatures: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.index.query(keys)

    def add(self, signatures: np.ndarray, keys: np.ndarray, numbers: np.ndarray) -> None:
        self.index.add(keys, numbers)

    def close(self) -> None:
        self.index = BandIndex()

    @property
    def nbytes(self) -> int:
        return self.index.nbytes


class _Sketch:
    """What MinHashLSH reads from a MinHash: its hash values and scheme."""

    __slots__ = ("hashvalues", "scheme")

    def __init__(self, hashvalues: np.ndarray, scheme: str) -> None:
        self.hashvalues = hashvalues
        self.scheme = scheme

    def __len__(self) -> int:
        return len(self.hashvalues)


class DatasketchIndex:
    """``datasketch.MinHashLSH`` with explicit (bands, rows); ``redis`` keeps buckets in Redis."""

    def __init__(
        self, bands: int, rows: int, num_perm: int, scheme: str, redis: dict[str, Any] | None = None
    ) -> None:
        from datasketch import MinHashLSH

        self.scheme = scheme
        self.storage: dict[str, Any] = {"type": "dict"}
        self.basename: bytes | None = None
        if redis is not None:
            try:
                import redis as _redis  # noqa: F401
            except ImportError as exc:
                raise ImportError(
                    "index='redis' needs the redis client: pip install 'selfreflect[redis]'"
                ) from exc
            self.basename = f"selfreflect-{uuid.uuid4().hex[:12]}".encode()
            self.storage = {"type": "redis", "redis": dict(redis), "basename": self.basename}
        self.lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows), storage_config=self.storage)

    def query(self, signatures: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Like ``MinHashLSH.query`` for each row, but one ``getmany`` per band for the batch
        (one Redis pipeline round trip per band instead of one per band per record)."""
        lsh = self.lsh
        found: set[tuple[int, int]] = set()
        for (start, end), table in zip(lsh.hashranges, lsh.hashtables, strict=True):
            band = [lsh._H(sig[start:end]) for sig in signatures]
            for row, members in enumerate(table.getmany(*band)):
                for member in members:
                    number = pickle.loads(member) if lsh.prepickle else member
                    found.add((row, int(number)))
        pairs = sorted(found)
        rows = np.array([p[0] for p in pairs], dtype=np.int64)
        return rows, np.array([p[1] for p in pairs], dtype=np.int64)

    def add(self, signatures: np.ndarray, keys: np.ndarray, numbers: np.ndarray) -> None:
        with self.lsh.insertion_session() as session:
            for sig, number in zip(signatures, numbers.tolist(), strict=True):
                session.insert(number, _Sketch(sig, self.scheme), check_duplication=False)

    def close(self) -> None:
        """Delete this run's keys from Redis (the index is scratch space, not a result)."""
        if self.basename is None:
            return
        import redis as _redis

        client = _redis.Redis(**self.storage["redis"])
        try:
            keys = list(client.scan_iter(match=self.basename + b"*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
        finally:
            client.close()

    @property
    def nbytes(self) -> int:
        """0: the buckets live in datasketch's storage (Redis, or its dicts), not measured here."""
        return 0
