"""Usage accounting (tokens, calls, retries, cache hits) and an optional budget cap."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from selfreflect.llm.errors import BudgetExhausted

#: Counter names, in the order a report shows them.
COUNTERS = (
    "calls",  # completions paid for (HTTP 2xx answers)
    "requests",  # HTTP attempts, successful or not
    "retries",  # transport retries
    "hung",  # calls given up at their total deadline (total_timeout): accepted, never finished
    "reasks",  # re-asks after invalid output
    "cache_hits",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
)


@dataclass
class Budget:
    """Stop making new calls once this many tokens or calls are spent (None = no cap)."""

    max_tokens: int | None = None
    max_calls: int | None = None

    def check(self, usage: Usage) -> None:
        """Raise BudgetExhausted when a new call would go beyond the budget."""
        if self.max_calls is not None and usage.started >= self.max_calls:
            raise BudgetExhausted(f"call budget of {self.max_calls} spent")
        if self.max_tokens is not None and usage.counters["total_tokens"] >= self.max_tokens:
            raise BudgetExhausted(f"token budget of {self.max_tokens} spent")


@dataclass
class Usage:
    """Running totals for one client; ``counters`` feeds ``StepStats.counters``."""

    counters: Counter[str] = field(default_factory=Counter)
    #: Calls started (counted before the answer, so concurrent calls respect the budget).
    started: int = 0

    def add_completion(self, usage: dict[str, int] | None) -> None:
        """Count one paid completion and its token usage."""
        self.counters["calls"] += 1
        for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
            value = (usage or {}).get(name)
            if isinstance(value, int):
                self.counters[name] += value
        if usage and "total_tokens" not in usage:
            self.counters["total_tokens"] += int(usage.get("prompt_tokens") or 0) + int(
                usage.get("completion_tokens") or 0
            )

    def count(self, name: str, n: int = 1) -> None:
        """Add to a named counter (retries, reasks, cache_hits, failures...)."""
        self.counters[name] += n

    def snapshot(self) -> Counter[str]:
        """A copy of the counters."""
        return Counter(self.counters)
