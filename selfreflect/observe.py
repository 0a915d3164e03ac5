"""RunObserver: watch a pipeline run from outside to feed the HTML report.

It wraps the three seams every run already has, so the Pipeline needs no change::

    observer = RunObserver()
    kept = pipeline.stream(observer.wrap_input(records), observer.wrap_on_reject(sink), report)
    for conv in observer.wrap_output(kept):
        ...

It collects length distributions per role before (records entering the first step) and after
(kept records), a bounded sample of rejected records per (step, reason), duplicate clusters
(kept id -> dropped ids, from Rejects with ``duplicate_of``) and reflect samples (original vs
revised answer with the critique). Memory stays bounded except for the exact-duplicate hashes
kept by :class:`~selfreflect.stats.DatasetStats`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from selfreflect.conversation import Conversation
from selfreflect.groups import PERSONA_PATTERNS, GroupedStats
from selfreflect.pipeline import Pipeline, RunResult
from selfreflect.stats import DatasetStats
from selfreflect.steps import Reject


@dataclass
class ReflectSample:
    """One answer the reflect step looked at: the original, the revision and the critique."""

    original: str
    revised: str
    critique: str = ""
    id: str | None = None
    prompt: str = ""
    verdict: str = ""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "id": self.id,
            "prompt": self.prompt,
            "original": self.original,
            "revised": self.revised,
            "critique": self.critique,
            "verdict": self.verdict,
        }


@dataclass
class DuplicateMember:
    """A record dropped as a duplicate of a kept one."""

    id: str | None
    reason: str
    step: str
    jaccard: float | None = None
    text: str = ""


@dataclass
class DuplicateCluster:
    """A kept record and the records dropped in its place."""

    kept_id: str
    members: list[DuplicateMember] = field(default_factory=list)
    size: int = 0  # every dropped member, including those not sampled
    kept_text: str | None = None


@dataclass
class ConflictSample:
    """One cluster of near-duplicate prompts with disagreeing answers, as the page shows it."""

    number: int
    size: int = 0
    scope: str = ""
    prompt: str = ""
    members: list[dict[str, Any]] = field(default_factory=list)


def _texts(conv: Conversation) -> list[tuple[str, str]]:
    return [(m.role, m.text) for m in conv.messages]


def _question(conv: Conversation, item: dict[str, Any]) -> str:
    """The user turn answered by the reflected answer at ``item["turn"]``, when it is there."""
    turn = item.get("turn")
    if isinstance(turn, int) and 0 < turn <= len(conv.messages):
        before = conv.messages[turn - 1]
        if before.role == "user":
            return before.text
    return ""


def reflect_samples_from(conv: Conversation) -> list[ReflectSample]:
    """Reflect samples a record carries in its metadata (kept records of the reflect step).

    Reads ``metadata["reflect"]`` (or ``"reflections"``) as the reflect step writes it: one
    object (``sft`` and ``preference`` modes) or a list (``conversation`` mode) with ``turn``,
    ``verdict``, ``critique``, ``original`` and ``revised``. Items without a revision (verdict
    ``keep``) are skipped.
    """
    found: list[ReflectSample] = []
    meta = conv.metadata or {}
    items: Any = None
    for key in ("reflect", "reflections", "reflection"):
        if key in meta:
            items = meta[key]
            break
    if isinstance(items, dict):
        items = [items]
    if isinstance(items, list):
        for item in items:
            if not isinstance(item, dict):
                continue
            original = item.get("original")
            revised = item.get("revised", item.get("revision"))
            if isinstance(original, str) and isinstance(revised, str):
                found.append(
                    ReflectSample(
                        original=original,
                        revised=revised,
                        critique=str(item.get("critique") or ""),
                        id=conv.id,
                        prompt=str(item.get("prompt") or item.get("user") or _question(conv, item)),
                        verdict=str(item.get("verdict") or ""),
                    )
                )
    # preference records: chosen = revised, rejected = original
    if not found and isinstance(meta.get("chosen"), str) and isinstance(meta.get("rejected"), str):
        found.append(
            ReflectSample(
                original=meta["rejected"],
                revised=meta["chosen"],
                critique=str(meta.get("critique") or ""),
                id=conv.id,
            )
        )
    return found


class RunObserver:
    """Collects what the HTML report shows, by wrapping a run's input, rejects and output."""

    def __init__(
        self,
        samples_per_reason: int = 5,
        max_clusters: int = 50,
        members_per_cluster: int = 10,
        max_reflect_samples: int = 20,
        max_rewrite_samples: int = 10,
        max_pending: int = 2_000,
        max_conflicts: int = 30,
        reflect_extractor: Callable[[Conversation], list[ReflectSample]] = reflect_samples_from,
        group_by: str | None = None,
        persona_patterns: tuple[str, ...] | None = None,
    ):
        self.samples_per_reason = samples_per_reason
        self.max_clusters = max_clusters
        self.members_per_cluster = members_per_cluster
        self.max_reflect_samples = max_reflect_samples
        self.max_rewrite_samples = max_rewrite_samples
        self.max_pending = max_pending
        self.max_conflicts = max_conflicts
        self.reflect_extractor = reflect_extractor
        self.group_by = group_by
        self.persona_patterns = persona_patterns
        #: Per persona / source / system prompt (``selfreflect.groups``), when ``group_by``.
        self.groups: GroupedStats | None = None
        if group_by is not None:
            self.groups = GroupedStats(group_by, persona_patterns or PERSONA_PATTERNS)
        self.before = DatasetStats(count_words=False)
        self.after = DatasetStats(count_words=False)
        self.rejected: dict[tuple[str, str], list[Reject]] = {}
        self.reject_counts: Counter[tuple[str, str]] = Counter()
        self.clusters: dict[str, DuplicateCluster] = {}
        #: Every duplicate cluster's dropped count (kept id -> n), for the size histogram.
        self.cluster_sizes: Counter[str] = Counter()
        self.duplicates_dropped = 0
        #: Conflicting answers (``mark_conflicting_answers``): cluster number -> sample.
        self.conflicts: dict[int, ConflictSample] = {}
        self.conflicts_seen: set[int] = set()
        self.reflections: list[ReflectSample] = []
        self.reflections_seen = 0
        # input records still in flight (id -> record as read), to show what rewriters changed
        self._pending: dict[str, Conversation] = {}
        self.rewrites: list[tuple[Conversation, Conversation]] = []
        self.rewritten = 0
        self.untracked = 0  # records not compared because too many were in flight

    # -- the three seams -----------------------------------------------------------------
    def wrap_input(self, records: Iterable[Any]) -> Iterator[Any]:
        """Pass records through, counting every Conversation as 'before'."""
        for record in records:
            if self.groups is not None:
                self.groups.add_records((record,))
            if isinstance(record, Conversation):
                self.before.add(record)
                if len(self._pending) < self.max_pending:
                    self._pending[record.id] = record
                else:
                    self.untracked += 1
            else:
                self.before.add_invalid(getattr(record, "reason", "invalid"))
            yield record

    def wrap_on_reject(
        self, on_reject: Callable[[Reject], None] | None = None
    ) -> Callable[[Reject], None]:
        """A reject callback that observes each Reject, then calls ``on_reject``."""

        def observed(reject: Reject) -> None:
            self.observe_reject(reject)
            if on_reject is not None:
                on_reject(reject)

        return observed

    def wrap_output(self, kept: Iterable[Conversation]) -> Iterator[Conversation]:
        """Pass kept records through, counting them as 'after'."""
        for conv in kept:
            self.observe_kept(conv)
            yield conv

    # -- what each seam does -------------------------------------------------------------
    def observe_reject(self, reject: Reject) -> None:
        """Sample the reject, and file it in its duplicate cluster when it has one."""
        key = (reject.step, reject.reason)
        self.reject_counts[key] += 1
        if self.groups is not None:
            self.groups.observe_reject(reject)
        bucket = self.rejected.setdefault(key, [])
        if len(bucket) < self.samples_per_reason:
            bucket.append(reject)
        if reject.duplicate_of is not None:
            self._add_duplicate(reject)
        if reject.record is not None:
            self._pending.pop(reject.record.id, None)
            self._fill_representative(reject.record)
        for sample in self._extract(reject):
            self.add_reflection(sample)

    def observe_kept(self, conv: Conversation) -> None:
        """Count a kept record; take its reflect samples and its text if it leads a cluster.

        A record that carries reflect samples is shown in the reflect section, not as a rewrite.
        """
        self.after.add(conv)
        mark = conv.metadata.get("conflicts") if conv.metadata else None
        if isinstance(mark, dict):
            for one in [mark, *(mark.get("also") or [])]:
                if isinstance(one, dict):
                    self._add_conflict(conv, one.get("cluster"), dropped=False, mark=one)
        if self.groups is not None:
            self.groups.observe_kept(conv)
        self._fill_representative(conv)
        samples = self.reflect_extractor(conv)
        for sample in samples:
            self.add_reflection(sample)
        original = self._pending.pop(conv.id, None)
        if original is not None and original is not conv and _texts(original) != _texts(conv):
            self.rewritten += 1
            if not samples and len(self.rewrites) < self.max_rewrite_samples:
                self.rewrites.append((original, conv))

    def add_reflection(self, sample: ReflectSample) -> None:
        """Keep a reflect sample (bounded); count it either way."""
        self.reflections_seen += 1
        if len(self.reflections) < self.max_reflect_samples:
            self.reflections.append(sample)

    def fill_representatives(self, records: Iterable[Any]) -> None:
        """Find the text of cluster leaders not seen yet (e.g. by re-reading the output file)."""
        missing = {k for k, c in self.clusters.items() if c.kept_text is None}
        if not missing:
            return
        for record in records:
            if isinstance(record, Conversation) and record.id in missing:
                self._fill_representative(record)
                missing.discard(record.id)
                if not missing:
                    return

    def run(self, pipeline: Pipeline, records: Iterable[Any]) -> RunResult:
        """``pipeline.run(records)`` in memory, observed; cluster leaders' texts filled in."""
        rejects: list[Reject] = []
        report = pipeline.new_report()
        kept = list(
            self.wrap_output(
                pipeline.stream(
                    self.wrap_input(records), self.wrap_on_reject(rejects.append), report
                )
            )
        )
        self.fill_representatives(kept)
        return RunResult(kept=kept, rejects=rejects, report=report)

    # -- helpers -------------------------------------------------------------------------
    def _extract(self, reject: Reject) -> list[ReflectSample]:
        samples = reject.extra.get("reflections") if reject.extra else None
        if isinstance(samples, list):
            out = []
            for item in samples:
                if isinstance(item, dict) and "original" in item and "revised" in item:
                    out.append(
                        ReflectSample(
                            original=str(item["original"]),
                            revised=str(item["revised"]),
                            critique=str(item.get("critique") or ""),
                            id=reject.id,
                        )
                    )
            return out
        return []

    def _add_conflict(
        self, conv: Conversation, number: Any, dropped: bool, mark: dict[str, Any] | None = None
    ) -> None:
        if not isinstance(number, int):
            return
        self.conflicts_seen.add(number)
        sample = self.conflicts.get(number)
        if sample is None:
            if len(self.conflicts) >= self.max_conflicts:
                return
            sample = self.conflicts[number] = ConflictSample(number)
        if mark:
            sample.size = int(mark.get("size") or sample.size)
            sample.scope = str(mark.get("scope") or sample.scope)
            sample.prompt = str(mark.get("prompt") or sample.prompt)
        if len(sample.members) < self.members_per_cluster:
            from selfreflect.groups import group_key

            turn = mark.get("turn") if mark else None
            pairs = {a: u for u, a in conv.pairs()}
            if not isinstance(turn, int) or turn not in pairs:
                turn = next(iter(pairs), None)
            prompt = conv.messages[pairs[turn]].text if turn is not None else ""
            answer = conv.messages[turn].text if turn is not None else ""
            if not sample.prompt:
                sample.prompt = prompt
            sample.members.append(
                {
                    "id": conv.id,
                    "persona": group_key(conv, "persona"),
                    "prompt": prompt,
                    "answer": answer,
                    "dropped": dropped,
                }
            )

    def _add_duplicate(self, reject: Reject) -> None:
        if reject.reason == "conflicting_answer":  # another answer kept, not a duplicate
            if reject.record is not None:
                self._add_conflict(
                    reject.record,
                    reject.extra.get("cluster"),
                    dropped=True,
                    mark={"turn": reject.extra.get("turn")},
                )
            return
        self.duplicates_dropped += 1
        kept_id = str(reject.duplicate_of)
        self.cluster_sizes[kept_id] += 1
        cluster = self.clusters.get(kept_id)
        if cluster is None:
            if len(self.clusters) >= self.max_clusters:
                return
            cluster = self.clusters[kept_id] = DuplicateCluster(kept_id)
        cluster.size += 1
        if len(cluster.members) < self.members_per_cluster:
            jaccard = reject.extra.get("jaccard") if reject.extra else None
            text = reject.record.dedup_text() if reject.record is not None else (reject.raw or "")
            cluster.members.append(
                DuplicateMember(
                    id=reject.id,
                    reason=reject.reason,
                    step=reject.step,
                    jaccard=float(jaccard) if isinstance(jaccard, int | float) else None,
                    text=text,
                )
            )

    def _fill_representative(self, conv: Conversation) -> None:
        cluster = self.clusters.get(conv.id)
        if cluster is not None and cluster.kept_text is None:
            cluster.kept_text = conv.dedup_text()

    def to_json(self) -> dict[str, Any]:
        """Everything collected, as plain JSON (the HTML report's data)."""
        return {
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "rejected_samples": [
                {
                    "step": step,
                    "reason": reason,
                    "count": self.reject_counts[(step, reason)],
                    "samples": [r.to_json() for r in rejects],
                }
                for (step, reason), rejects in self.rejected.items()
            ],
            "duplicate_clusters": [
                {
                    "kept_id": c.kept_id,
                    "kept_text": c.kept_text,
                    "size": c.size,
                    "members": [m.__dict__ for m in c.members],
                }
                for c in self.clusters.values()
            ],
            "cluster_sizes": dict(sorted(Counter(self.cluster_sizes.values()).items())),
            "conflicts": [c.__dict__ for c in self.conflicts.values()],
            "reflections": [s.to_json() for s in self.reflections],
            "groups": self.groups.to_json() if self.groups is not None else None,
            "rewritten": self.rewritten,
            "rewrites": [
                {
                    "id": after.id,
                    "before": before.to_record()["messages"],
                    "after": after.to_record()["messages"],
                }
                for before, after in self.rewrites
            ],
        }
