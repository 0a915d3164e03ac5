"""Exact and near-duplicate removal for conversations (system prompt masked by default).

- :class:`ExactDedup` (``exact_dedup``): equal turns after whitespace normalisation.
- :class:`NearDedup` (``near_dedup``): MinHash + LSH on word bigrams, checked against Jaccard.
- :class:`MinHasher`: datasketch-identical MinHash signatures, vectorised with numpy.
- :func:`clusters`: kept id -> dropped ids, from rejects, for auditing.
"""

from selfreflect.dedup.clusters import clusters
from selfreflect.dedup.exact import ExactDedup, exact_key, key_text
from selfreflect.dedup.lsh import choose_bands
from selfreflect.dedup.minhash import MinHasher
from selfreflect.dedup.near import NearDedup
from selfreflect.dedup.shingles import shingle_hash, shingles, tokens

__all__ = [
    "ExactDedup",
    "MinHasher",
    "NearDedup",
    "choose_bands",
    "clusters",
    "exact_key",
    "key_text",
    "shingle_hash",
    "shingles",
    "tokens",
]
