"""One LLM budget for a whole Ray run, however many actors make the calls.

Each actor of an LLM stage has its own client; a ``budget_calls`` / ``budget_tokens`` of the
step would otherwise cap every actor (and every batch) separately. Here the stage's steps get a
:class:`SharedBudget` that asks one counter actor before each call and tells it the tokens
spent since the last ask, so the cap holds for the run (give or take the calls already in
flight when it is reached, as on one machine).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import partial
from typing import Any

from selfreflect.llm.errors import BudgetExhausted
from selfreflect.llm.usage import Budget, Usage
from selfreflect.steps import Step


class BudgetKeeper:
    """The run's counters (a Ray actor): calls started and tokens reported."""

    def __init__(self, max_tokens: int | None, max_calls: int | None):
        self.max_tokens = max_tokens
        self.max_calls = max_calls
        self.calls = 0
        self.tokens = 0

    def start_call(self, new_tokens: int) -> str | None:
        """Count ``new_tokens``; count one more call, or say why the budget is spent."""
        self.tokens += new_tokens
        if self.max_calls is not None and self.calls >= self.max_calls:
            return f"call budget of {self.max_calls} spent (whole run)"
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            return f"token budget of {self.max_tokens} spent (whole run)"
        self.calls += 1
        return None


class SharedBudget(Budget):
    """A Budget whose counts live in a :class:`BudgetKeeper` actor."""

    def __init__(self, keeper: Any, max_tokens: int | None, max_calls: int | None):
        super().__init__(max_tokens, max_calls)
        self.keeper = keeper
        self._reported = 0

    def check(self, usage: Usage) -> None:
        """Ask the keeper for one more call (blocks ~1 ms: a round trip to the actor)."""
        import ray

        tokens = usage.counters["total_tokens"]
        new, self._reported = tokens - self._reported, tokens
        refusal = ray.get(self.keeper.start_call.remote(new))
        if refusal is not None:
            raise BudgetExhausted(refusal)


def share_budgets(steps: Sequence[Step]) -> tuple[list[Step], list[Any]]:
    """Copies of ``steps`` whose LLM budgets count run-wide, and the keeper actors to kill
    when the stage is done. Steps without a budget are passed as they are."""
    import ray

    shared: list[Step] = []
    keepers: list[Any] = []
    for step in steps:
        tokens = getattr(step, "budget_tokens", None)
        calls = getattr(step, "budget_calls", None)
        if not hasattr(step, "budget_factory") or (tokens is None and calls is None):
            shared.append(step)
            continue
        keeper = ray.remote(num_cpus=0)(BudgetKeeper).remote(tokens, calls)
        step = copy.copy(step)
        step.budget_factory = partial(SharedBudget, keeper, tokens, calls)
        shared.append(step)
        keepers.append(keeper)
    return shared, keepers
