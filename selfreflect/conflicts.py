"""Conflicting answers: near-duplicate prompts whose answers disagree, within and across personas.

The seed asks it of two character files: "the same kind of question, answers far apart: will
fine-tuning conflict?". Here every (user, assistant) pair is a member; prompts are compared with
the dedup module's MinHash (word bigrams, one token per CJK character) and LSH banding, each
candidate checked on its exact Jaccard similarity; prompts at or above ``prompt_threshold`` join
one cluster. A cluster is a conflict when two of its answers have a token Jaccard similarity
below ``answer_threshold`` ("Fine, thanks." and "fine thanks!" agree; "不怎麼好." and "很棒"
do not). Each cluster's ``similarity`` is the lowest answer similarity between two members.

:class:`MarkConflictingAnswers` (``mark_conflicting_answers``) runs it over a whole stream:
``policy="mark"`` (default) only adds ``metadata["conflicts"]``; ``"one_per_persona"`` keeps
the first answer per prompt cluster and persona; ``"first"`` keeps the first member only.
Records it drops are rejected as ``conflicting_answer`` with the id of the record kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from selfreflect.conversation import Conversation
from selfreflect.dedup.lsh import band_keys, choose_bands
from selfreflect.dedup.minhash import MinHasher
from selfreflect.dedup.shingles import tokens
from selfreflect.groups import PERSONA_PATTERNS, group_key
from selfreflect.report import StepStats
from selfreflect.steps import Outcome, Step

Policy = Literal["mark", "one_per_persona", "first"]
POLICIES: tuple[str, ...] = ("mark", "one_per_persona", "first")
#: Above this many prompts in one LSH bucket, compare each with the bucket's first only.
_BUCKET_ALL_PAIRS = 64


@dataclass
class Member:
    """One (prompt, answer) pair of a record."""

    id: str
    persona: str
    prompt: str
    answer: str
    index: int = 0  # position in the input stream
    turn: int = 0  # the answer's message index in its record

    def to_json(self) -> dict[str, Any]:
        """The member as CLUSTERS.jsonl writes it."""
        return {"id": self.id, "persona": self.persona, "answer": self.answer}


@dataclass
class ConflictCluster:
    """Near-duplicate prompts whose answers disagree."""

    prompt: str
    members: list[Member]
    similarity: float
    prompt_similarity: float = 1.0
    personas: list[str] = field(default_factory=list)

    @property
    def scope(self) -> str:
        """``within`` (one persona answers differently), ``across`` (personas differ), or both."""
        by_persona: dict[str, set[tuple[str, ...]]] = {}
        for m in self.members:
            by_persona.setdefault(m.persona, set()).add(_answer_key(m.answer))
        within = any(len(a) > 1 for a in by_persona.values())
        across = len(by_persona) > 1
        return "both" if within and across else "within" if within else "across"

    def to_json(self) -> dict[str, Any]:
        """One line of CLUSTERS.jsonl."""
        return {
            "prompt": self.prompt,
            "members": [m.to_json() for m in self.members],
            "similarity": round(self.similarity, 4),
            "prompt_similarity": round(self.prompt_similarity, 4),
            "personas": self.personas,
            "scope": self.scope,
        }


def _answer_key(text: str) -> tuple[str, ...]:
    """An answer's tokens, contractions spelled out ("I'm 22" and "I am 22." agree)."""
    out: list[str] = []
    for t in tokens(text):
        out.extend(_CONTRACTIONS[t].split()) if t in _CONTRACTIONS else out.append(_fold(t))
    return tuple(out)


# Prompt normalisation before shingling: English contractions spelled out, and greetings or
# politeness around the question dropped ("hey, how are you?" asks "how are you?").
_CONTRACTIONS = {
    "s": "is",
    "re": "are",
    "m": "am",
    "ve": "have",
    "ll": "will",
    "d": "would",
    "t": "not",
    "whats": "what is",
    "hows": "how is",
    "wheres": "where is",
    "whos": "who is",
    "dont": "do not",
    "doesnt": "does not",
    "cant": "can not",
    "cannot": "can not",
    "im": "i am",
    "youre": "you are",
    "u": "you",
    "r": "are",
    "ur": "your",
}
_FILLERS = frozenset(
    (
        "hey",
        "hi",
        "hello",
        "hallo",
        "salut",
        "bonjour",
        "ciao",
        "oi",
        "so",
        "ok",
        "okay",
        "well",
        "please",
        "pls",
        "plz",
        "um",
        "uh",
        "oh",
        "just",
        "tell",
        "me",
        "honestly",
        "really",
        "then",
        "and",
        "but",
        "now",
        "friend",
        "buddy",
        "dear",
        "quick",
        "question",
        "curious",
        "wondering",
        "i",
        "was",
        "ask",
        "you",
        "hola",
        "bueno",
        "pues",
        "bitte",
        "mal",
        "also",
        "alors",
        "dis",
        "moi",
        "allora",
        "dimmi",
        "olá",
        "ei",
        "então",
        "ну",
        "скажи",
        "привет",
        "а",
        "저기",
        "그럼",
    )
)
_NEVER_FILLER_ALONE = frozenset(("you", "me", "i"))  # "how are you" keeps its "you"
# CJK has no spaces: greetings and politeness at the start are cut from the text itself.
_CJK_LEAD = re.compile(
    r"^\s*(?:(?:嗨|喂|哈喽|你好|请问|請問|那么|那麼|那|ねえ|じゃあ|すみません)"
    r"[\s,，、。!！~～]*)+"
)


# British spellings folded to American ones so "favourite colour" is "favorite color":
# -our- (not "your", "four", "hour": two letters must come first) and -ise/-isation.
_SPELLING = re.compile(
    r"(?<=[a-z]{2})our(?=s?$|ite|ites|ed|ing|able|ful|less)"
    r"|(?<=[a-z]{3})is(?=e$|es$|ed$|ing$|ation$|ations$)"
)


def _fold(token: str) -> str:
    if not token.isascii() or len(token) < 5:
        return token
    return _SPELLING.sub(lambda m: "or" if m.group() == "our" else "iz", token)


def prompt_tokens(text: str) -> list[str]:
    """The tokens a prompt is compared on: contractions spelled out, leading and trailing
    greetings and politeness ("hey,", "please", "请问") dropped."""
    toks: list[str] = []
    for t in tokens(_CJK_LEAD.sub("", text) or text):
        toks.extend(_CONTRACTIONS[t].split()) if t in _CONTRACTIONS else toks.append(_fold(t))
    start, end = 0, len(toks)
    while start < end and toks[start] in _FILLERS and not _keeps(toks, start):
        start += 1
    while end > start and toks[end - 1] in _FILLERS and toks[end - 1] not in _NEVER_FILLER_ALONE:
        end -= 1
    return toks[start:end] or toks


def _keeps(toks: list[str], i: int) -> bool:
    """A leading "you"/"i" is part of the question ("you like jazz?")."""
    return toks[i] in ("you", "i") and not (i + 1 < len(toks) and toks[i + 1] in _FILLERS)


def prompt_shingles(text: str, ngram: int = 2) -> set[str]:
    """The shingles a prompt is compared on (:func:`prompt_tokens`, then word n-grams)."""
    toks = prompt_tokens(text)
    if len(toks) <= ngram:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i : i + ngram]) for i in range(len(toks) - ngram + 1)}


#: Prompts up to this many tokens are checked for a swapped word (a CJK character is a token).
SHORT_PROMPT = 16


def _substitutes(a: list[str], b: list[str]) -> bool:
    """Two short prompts that each have a word the other lacks ("favourite colour" /
    "favourite food", "あなたの好きな本" / "あなたの好きな色"): another question, not a
    paraphrase. Words added on one side only ("how are you" / "how are you doing") are not."""
    if len(a) > SHORT_PROMPT or len(b) > SHORT_PROMPT:
        return False  # long prompts: the Jaccard similarity decides
    only_a, only_b = set(a) - set(b), set(b) - set(a)
    return bool(only_a - _FILLERS) and bool(only_b - _FILLERS)


def jaccard(a: set[Any], b: set[Any]) -> float:
    """|a ∩ b| / |a ∪ b| (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def members_of(
    conv: Conversation,
    index: int,
    by: str = "persona",
    patterns: tuple[str, ...] = PERSONA_PATTERNS,
) -> list[Member]:
    """Every (user, assistant) pair of a record with a non-empty prompt."""
    persona = group_key(conv, by, patterns=patterns)
    out = []
    for u, a in conv.pairs():
        prompt = conv.messages[u].text
        if prompt.strip():
            out.append(Member(conv.id, persona, prompt, conv.messages[a].text, index, a))
    return out


def find_conflicts(
    members: Sequence[Member],
    prompt_threshold: float = 0.65,
    answer_threshold: float = 0.5,
    num_perm: int = 128,
    ngram: int = 2,
    seed: int = 1,
    min_answers: int = 2,
) -> list[ConflictCluster]:
    """Clusters of near-duplicate prompts with disagreeing answers, in input order
    (``min_answers``: at least this many different answers)."""
    if not members:
        return []
    # identical prompts (after normalisation) are one node: no n^2 for 1,000 "hi"s
    node_of: dict[tuple[str, ...], int] = {}
    nodes: list[str] = []
    member_node: list[int] = []
    for m in members:
        key = tuple(prompt_tokens(m.prompt))
        if key not in node_of:
            node_of[key] = len(nodes)
            nodes.append(m.prompt)
        member_node.append(node_of[key])
    toks = [prompt_tokens(p) for p in nodes]
    sets = [prompt_shingles(p, ngram) for p in nodes]
    union = _Union(len(nodes))
    lowest: dict[int, float] = {}
    texts = [" ".join(t) for t in toks]
    pairs = chain(
        _similar_pairs(texts, sets, prompt_threshold, num_perm, ngram, seed),
        _sentence_pairs(nodes, node_of, sets),
    )
    for i, j, sim in pairs:
        if _substitutes(toks[i], toks[j]):
            continue
        union.union(i, j)
        lowest[i] = min(lowest.get(i, 1.0), sim)
        lowest[j] = min(lowest.get(j, 1.0), sim)
    groups: dict[int, list[int]] = {}
    for k, node in enumerate(member_node):
        groups.setdefault(union.find(node), []).append(k)
    clusters = []
    for ks in groups.values():
        if len(ks) < 2:
            continue
        group = [members[k] for k in ks]
        answers = {_answer_key(m.answer): set(_answer_key(m.answer)) for m in group}
        if len(answers) < max(2, min_answers):
            continue
        distinct = list(answers.values())
        low = min(jaccard(a, b) for x, a in enumerate(distinct) for b in distinct[x + 1 :])
        if low >= answer_threshold:
            continue
        nodes_in = {member_node[k] for k in ks}
        clusters.append(
            ConflictCluster(
                prompt=members[ks[0]].prompt,
                members=group,
                similarity=low,
                prompt_similarity=min((lowest.get(n, 1.0) for n in nodes_in), default=1.0),
                personas=sorted({m.persona for m in group}),
            )
        )
    clusters.sort(key=lambda c: c.members[0].index)
    return clusters


_SENTENCE_END = re.compile(r"(?<=[.?!。？！；;])\s*")
#: A sentence must have this many tokens to stand for the whole question.
MIN_SENTENCE_TOKENS = 3


def _sentence_pairs(
    nodes: Sequence[str], node_of: dict[tuple[str, ...], int], sets: Sequence[set[str]]
) -> Iterator[tuple[int, int, float]]:
    """(i, j, Jaccard) where prompt i is prompt j plus other sentences ("Where did you grow up?
    I'm curious." / "Where did you grow up?"): the same question, whatever the Jaccard."""
    for i, prompt in enumerate(nodes):
        sentences = [s for s in _SENTENCE_END.split(prompt) if s.strip()]
        if len(sentences) < 2:
            continue
        for sentence in sentences:
            key = tuple(prompt_tokens(sentence))
            j = node_of.get(key)
            if j is not None and j != i and len(key) >= MIN_SENTENCE_TOKENS:
                yield min(i, j), max(i, j), jaccard(sets[i], sets[j])


def _similar_pairs(
    texts: Sequence[str],
    sets: Sequence[set[str]],
    threshold: float,
    num_perm: int,
    ngram: int,
    seed: int,
) -> Iterator[tuple[int, int, float]]:
    """(i, j, Jaccard) of texts at or above ``threshold``: LSH candidates, checked exactly."""
    if len(texts) < 2:
        return
    bands, rows = choose_bands(threshold, num_perm)
    sigs = MinHasher(num_perm=num_perm, seed=seed, ngram=ngram).signatures(list(texts))
    keys = band_keys(sigs, bands, rows)
    seen: set[tuple[int, int]] = set()
    for band in range(bands):
        column = keys[:, band]
        order = np.argsort(column, kind="stable")
        sorted_keys = column[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], len(order)]
        for s, e in zip(starts, ends, strict=True):
            if e - s < 2:
                continue
            bucket = [int(x) for x in order[s:e]]
            if len(bucket) <= _BUCKET_ALL_PAIRS:
                pairs = ((a, b) for n, a in enumerate(bucket) for b in bucket[n + 1 :])
            else:
                pairs = ((bucket[0], b) for b in bucket[1:])
            for a, b in pairs:
                pair = (min(a, b), max(a, b))
                if pair in seen:
                    continue
                seen.add(pair)
                sim = jaccard(sets[a], sets[b])
                if sim >= threshold:
                    yield pair[0], pair[1], sim


def conflicts_in(
    records: Iterable[Conversation],
    by: str = "persona",
    patterns: tuple[str, ...] = PERSONA_PATTERNS,
    **options: Any,
) -> list[ConflictCluster]:
    """The conflict clusters of a stream of records (what ``selfreflect conflicts`` writes)."""
    members: list[Member] = []
    for index, conv in enumerate(records):
        members.extend(members_of(conv, index, by, patterns))
    return find_conflicts(members, **options)


class MarkConflictingAnswers(Step):
    """Find near-duplicate prompts whose answers disagree; mark them (default) or keep one.

    ``policy``: ``mark`` adds ``metadata[key] = {"cluster", "size", "personas", "scope"}``;
    ``one_per_persona`` also drops all but the first answer per cluster and persona;
    ``first`` drops all but the cluster's first record. Holds the stream in memory.

    Args:
        policy: "mark" (default) marks every record of a cluster; "one_per_persona" keeps the
            first answer per cluster and persona and rejects the others; "first" keeps only the
            cluster's first record.
        prompt_threshold: how alike two prompts must be (0 to 1: the share of word pairs they
            have in common, greetings and contractions set aside) to be the same question.
        answer_threshold: answers to the same question conflict when their share of common words
            (0 to 1) is below this.
        by: what a persona is: "persona" (the character the system prompt names, "You are Billie",
            else the source file), "source" (the input file) or "system" (the whole system prompt).
        key: the metadata field that gets the cluster, its size, personas and scope.
        num_perm: how many hashes are used to find prompts that may be alike (each is then checked
            exactly); more finds more borderline pairs and costs more time.
    """

    name = "mark_conflicting_answers"
    reasons = {
        "conflicting_answer": "a near-duplicate prompt was already answered differently "
        "(kept: duplicate_of)"
    }

    def __init__(
        self,
        policy: Policy = "mark",
        prompt_threshold: Annotated[float, Field(gt=0, le=1)] = 0.65,
        answer_threshold: Annotated[float, Field(gt=0, le=1)] = 0.5,
        by: Literal["persona", "source", "system"] = "persona",
        key: str = "conflicts",
        num_perm: Annotated[int, Field(ge=2, le=1024)] = 128,
    ):
        self.policy = policy
        self.prompt_threshold = prompt_threshold
        self.answer_threshold = answer_threshold
        self.by = by
        self.key = key
        self.num_perm = num_perm

    def check(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {', '.join(POLICIES)}, not {self.policy!r}")
        for name in ("prompt_threshold", "answer_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        if self.by not in ("persona", "source", "system"):
            raise ValueError(f"by must be persona, source or system, not {self.by!r}")

    def run(self, records: Iterable[Conversation], stats: StepStats) -> Iterator[Outcome]:
        self.check()
        buffered = list(records)
        clusters = conflicts_in(
            buffered,
            self.by,
            prompt_threshold=self.prompt_threshold,
            answer_threshold=self.answer_threshold,
            num_perm=self.num_perm,
        )
        stats.counters["conflict_clusters"] += len(clusters)
        info: dict[int, dict[str, Any]] = {}
        drop: dict[int, tuple[str, int, int]] = {}  # index -> (kept id, cluster, turn)
        firsts: set[int] = set()  # kept for some cluster: never dropped for another
        for number, cluster in enumerate(clusters):
            kept_by: dict[str, Member] = {}
            for m in cluster.members:
                mark = {
                    "cluster": number,
                    "turn": m.turn,
                    "prompt": cluster.prompt[:300],
                    "size": len(cluster.members),
                    "personas": cluster.personas,
                    "scope": cluster.scope,
                    "similarity": round(cluster.similarity, 4),
                }
                if m.index not in info:
                    info[m.index] = mark
                elif (
                    all(x["cluster"] != number for x in info[m.index].get("also", []))
                    and info[m.index]["cluster"] != number
                ):
                    # a record whose turns sit in several clusters names them all
                    info[m.index].setdefault("also", []).append(mark)
                if self.policy == "mark":
                    continue
                group = "" if self.policy == "first" else m.persona
                if group not in kept_by:
                    if m.index not in drop:  # a record dropped already cannot be the one kept
                        kept_by[group] = m
                        firsts.add(m.index)
                    continue
                if m.index in firsts or m.index in drop or kept_by[group].index == m.index:
                    continue
                drop[m.index] = (kept_by[group].id, number, m.turn)
        stats.counters["conflicting_records"] += len(info)
        for index, conv in enumerate(buffered):
            if index in drop:
                kept_id, number, turn = drop[index]
                yield self.reject(
                    conv, "conflicting_answer", duplicate_of=kept_id, cluster=number, turn=turn
                )
            elif index in info:
                stats.modified += 1
                yield conv.model_copy(update={"metadata": {**conv.metadata, self.key: info[index]}})
            else:
                yield conv
