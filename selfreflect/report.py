"""Per-step statistics and the run report; both add up across shards."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StepStats:
    """What one step did: records in and out, dropped, modified, trimmed, reasons, time, counters.

    ``trimmed`` records were kept with messages cut away (the cut parts are in the rejects file);
    they count in ``out``, not in ``modified``.
    """

    name: str
    in_: int = 0
    out: int = 0
    dropped: int = 0
    modified: int = 0
    trimmed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    #: Extra numeric counters a step keeps (tokens, calls, retries, cache hits...).
    counters: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: StepStats) -> StepStats:
        if other.name != self.name:
            raise ValueError(f"cannot add stats of {other.name!r} to {self.name!r}")
        return StepStats(
            name=self.name,
            in_=self.in_ + other.in_,
            out=self.out + other.out,
            dropped=self.dropped + other.dropped,
            modified=self.modified + other.modified,
            trimmed=self.trimmed + other.trimmed,
            reasons=_sum(self.reasons, other.reasons),
            seconds=self.seconds + other.seconds,
            counters=_sum(self.counters, other.counters),
        )

    def to_json(self) -> dict[str, Any]:
        """The step's entry in the JSON report."""
        out: dict[str, Any] = {
            "name": self.name,
            "in": self.in_,
            "out": self.out,
            "dropped": self.dropped,
            "modified": self.modified,
            "trimmed": self.trimmed,
            "reasons": dict(sorted(self.reasons.items())),
            "seconds": round(self.seconds, 4),
        }
        if self.counters:
            out["counters"] = dict(sorted(self.counters.items()))
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepStats:
        """Read a step entry back from a JSON report."""
        return cls(
            name=data["name"],
            in_=data["in"],
            out=data["out"],
            dropped=data["dropped"],
            modified=data["modified"],
            trimmed=data.get("trimmed", 0),
            reasons=Counter(data.get("reasons", {})),
            seconds=data.get("seconds", 0.0),
            counters=Counter(data.get("counters", {})),
        )


def _sum(a: Counter[str], b: Counter[str]) -> Counter[str]:
    """Add two counters keeping zero and negative entries (``Counter.__add__`` drops them)."""
    total = Counter(a)
    total.update(b)
    return total


class AccountingError(RuntimeError):
    """The counts of a run do not add up: input != kept + rejected."""


@dataclass
class Report:
    """A run's report: input, kept, rejected and the stats of every step, in order."""

    input: int = 0
    kept: int = 0
    rejected: int = 0
    steps: list[StepStats] = field(default_factory=list)
    seconds: float = 0.0
    #: Where the numbers came from (``selfreflect.provenance.RunProvenance.to_json``).
    provenance: dict[str, Any] | None = None
    #: Per-group breakdown (``selfreflect.groups.GroupStats.to_json``), when collected.
    groups: dict[str, Any] | None = None

    def __add__(self, other: Report) -> Report:
        if [s.name for s in self.steps] != [s.name for s in other.steps] and self.steps:
            if other.steps:
                raise ValueError("cannot add reports of different pipelines")
        steps = (
            [a + b for a, b in zip(self.steps, other.steps, strict=True)]
            if self.steps and other.steps
            else list(self.steps or other.steps)
        )
        return Report(
            input=self.input + other.input,
            kept=self.kept + other.kept,
            rejected=self.rejected + other.rejected,
            steps=steps,
            seconds=max(self.seconds, other.seconds),
            provenance=self.provenance or other.provenance,
            groups=self.groups or other.groups,
        )

    def check(self) -> None:
        """Raise AccountingError unless every step balances and input = kept + rejected."""
        for s in self.steps:
            if s.in_ != s.out + s.dropped:
                raise AccountingError(
                    f"step {s.name}: in {s.in_} != out {s.out} + dropped {s.dropped} "
                    "(the step lost or invented records)"
                )
        for before, after in zip(self.steps, self.steps[1:], strict=False):
            if before.out != after.in_:
                raise AccountingError(
                    f"step {after.name}: in {after.in_} != out {before.out} of {before.name}"
                )
        if self.input != self.kept + self.rejected:
            raise AccountingError(
                f"input {self.input} != kept {self.kept} + rejected {self.rejected}"
            )
        if sum(s.dropped for s in self.steps) != self.rejected:
            raise AccountingError("rejected records do not match the steps' dropped counts")

    def to_json(self) -> dict[str, Any]:
        """The JSON report (contract: input, kept, rejected, steps, provenance)."""
        out: dict[str, Any] = {
            "input": self.input,
            "kept": self.kept,
            "rejected": self.rejected,
            "seconds": round(self.seconds, 4),
            "steps": [s.to_json() for s in self.steps],
        }
        if self.provenance is not None:
            out["provenance"] = self.provenance
        if self.groups is not None:
            out["groups"] = self.groups
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        """Read a report back."""
        return cls(
            input=data["input"],
            kept=data["kept"],
            rejected=data["rejected"],
            steps=[StepStats.from_json(s) for s in data["steps"]],
            seconds=data.get("seconds", 0.0),
            provenance=data.get("provenance"),
            groups=data.get("groups"),
        )

    def dumps(self) -> str:
        """The report as indented JSON text."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)

    def table(self) -> str:
        """The report as a plain-text table for the terminal."""
        header = ("step", "in", "out", "dropped", "modified", "trimmed", "seconds", "top reasons")
        rows = [header]
        for s in self.steps:
            top = ", ".join(f"{k}={v}" for k, v in s.reasons.most_common(3))
            rows.append(
                (
                    s.name,
                    str(s.in_),
                    str(s.out),
                    str(s.dropped),
                    str(s.modified),
                    str(s.trimmed),
                    f"{s.seconds:.2f}",
                    top,
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = []
        for n, row in enumerate(rows):
            cells = [
                c.ljust(w) if i in (0, 7) else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append(
            f"input {self.input}  kept {self.kept}  rejected {self.rejected}  ({self.seconds:.2f}s)"
        )
        return "\n".join(lines)
