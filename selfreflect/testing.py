"""A conformance check for step authors, in the spirit of scikit-learn's ``check_estimator``.

Call it from your plugin's tests::

    from selfreflect.testing import check_step

    def test_my_filter_conforms():
        check_step(DropBannedWords(words=("foo",)))

It runs the step on a few generated conversations and raises one AssertionError listing
every rule the step breaks:

- ``__init__`` only stores its parameters, under their own names, as given;
- ``get_params`` / ``to_dict`` survive a trip through a YAML recipe (plain-data parameters
  of the annotated types);
- the class has a docstring whose first line is the summary ``selfreflect steps`` shows;
- every reject it makes names this step and a reason code documented in ``reasons``;
- it yields a Conversation or a Reject for each record (nothing lost or invented);
- it does not mutate the conversations it is given (rewriters return new objects);
- it pickles, and the copy behaves the same (``--workers`` sends steps to other processes).
"""

from __future__ import annotations

import copy
import pickle
import re
from collections.abc import Callable
from typing import Any

from selfreflect.conversation import Conversation, Message
from selfreflect.report import StepStats
from selfreflect.steps import Reject, Step

__all__ = ["check_step", "example_step", "sample_conversations"]


def example_step(cls: type[Step]) -> Step:
    """An instance built from ``cls.example_params`` (or the defaults when there are none)."""
    return cls(**copy.deepcopy(cls.example_params))


def sample_conversations() -> list[Conversation]:
    """A few varied conversations: plain, with a system prompt, multi-turn, odd text, empty."""

    def conv(i: int, *turns: tuple[str, str], **extra: Any) -> Conversation:
        messages = [Message(role=role, content=text) for role, text in turns]  # type: ignore[arg-type]
        return Conversation(id=f"sample-{i}", messages=messages, **extra).at("samples.jsonl", i)

    return [
        conv(
            1,
            ("user", "What is the capital of France?"),
            ("assistant", "The capital of France is Paris."),
        ),
        conv(
            2,
            ("system", "You are Aria, a ship's navigator. Stay in character."),
            ("user", "*looks at the map* Where are we?"),
            ("assistant", "*taps the chart* Two days east of the Azores, captain."),
            ("user", "And the storm?"),
            ("assistant", "It passed north of us overnight. The sea is calm now!"),
        ),
        conv(3, ("user", "你好，请介绍一下你自己。"), ("assistant", "我是一个乐于助人的助手。😊")),
        conv(4, ("user", "ok"), ("assistant", "ok")),
        conv(5, ("user", "   "), ("assistant", "")),
        conv(
            6,
            ("user", "Repeat: " + "la " * 400),
            ("assistant", "la " * 400),
            metadata={"lang": "en", "tags": ["long"]},
        ),
        conv(
            7,
            ("user", "Call the weather tool"),
            ("assistant", "Calling it now."),
            ("tool", '{"temp": 21}'),
            ("assistant", "It is 21 degrees."),
        ),
    ]


def check_step(step: Step, conversations: list[Conversation] | None = None) -> None:
    """Raise AssertionError listing every conformance rule ``step`` breaks (None if it passes)."""
    records = conversations if conversations is not None else sample_conversations()
    problems: list[str] = []
    for check in _CHECKS:
        try:
            found = check(step, [c.model_copy(deep=True) for c in records])
            problems.extend(f"{check.__name__[7:]}: {p}" for p in found)
        except Exception as exc:  # a crash inside a check is itself a finding
            problems.append(f"{check.__name__[7:]}: raised {type(exc).__name__}: {exc}")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise AssertionError(f"{type(step).__name__} breaks {len(problems)} rule(s):\n{lines}")


# -- the checks: each returns a list of problems ---------------------------------------------
def _check_init_stores_params(step: Step, records: list[Conversation]) -> list[str]:
    cls = type(step)
    problems = []
    params = step.get_params()
    fresh = cls(**params)
    for name, value in params.items():
        if getattr(fresh, name) is not value:
            problems.append(
                f"__init__ changed parameter {name!r} (store it as given; convert "
                "lazily where it is used)"
            )
    extra = [k for k in vars(fresh) if k not in params and not k.startswith("_")]
    if extra:
        problems.append(f"__init__ set attributes that are not parameters: {', '.join(extra)}")
    if fresh != step:
        problems.append("a copy made from get_params() is not equal to the step")
    return problems


def _check_recipe_round_trip(step: Step, records: list[Conversation]) -> list[str]:
    import yaml

    from selfreflect import registry
    from selfreflect.pipeline import Pipeline
    from selfreflect.recipe import RecipeError, build_step, dump

    problems = []
    cls = type(step)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", step.name):
        problems.append(f"name {step.name!r} is not snake_case")
    if step.to_dict().get("step") != step.name:
        problems.append("to_dict()['step'] is not the step's name")
    try:
        text = dump(Pipeline([step]))
    except RecipeError as exc:
        return [*problems, str(exc)]
    (entry,) = yaml.safe_load(text)["steps"]
    entry.pop("step")
    try:
        back = build_step(cls, entry)
    except RecipeError as exc:
        return [*problems, f"dumped parameters do not load back: {exc}"]
    if back != step:
        problems.append(f"loads back as {back!r}, not {step!r}")
    if step.name in registry.names():
        try:
            registered = registry.get(step.name)
        except registry.UnknownStepError as exc:
            problems.append(str(exc))
        else:
            if registered is not cls:
                problems.append(
                    f"the registry name {step.name!r} belongs to "
                    f"{registered.__module__}.{registered.__qualname__}"
                )
    return problems


def _check_docstring_summary(step: Step, records: list[Conversation]) -> list[str]:
    doc = (type(step).__doc__ or "").strip()
    if not doc:
        return ["the class has no docstring (its first line is the summary users see)"]
    if len(doc.splitlines()[0]) > 120:
        return ["the docstring's first line is longer than 120 characters"]
    return []


def _check_outcomes(step: Step, records: list[Conversation]) -> list[str]:
    problems = []
    outcomes = _run(step, records)
    if len(outcomes) != len(records):
        problems.append(
            f"{len(records)} records in, {len(outcomes)} outcomes out "
            "(every record must come out kept or as a Reject)"
        )
    for outcome in outcomes:
        if isinstance(outcome, Reject):
            if outcome.step != step.name:
                problems.append(f"a reject names step {outcome.step!r}, not {step.name!r}")
            if outcome.reason not in step.reasons:
                problems.append(
                    f"reason {outcome.reason!r} is not documented in `reasons` "
                    f"(documented: {sorted(step.reasons) or 'none'})"
                )
            if not outcome.detail:
                problems.append(f"a {outcome.reason!r} reject has no detail")
            if outcome.record is None:
                problems.append(f"a {outcome.reason!r} reject does not carry its record")
        elif not isinstance(outcome, Conversation):
            problems.append(f"returned {type(outcome).__name__}, not a Conversation or a Reject")
    return sorted(set(problems), key=problems.index)


def _check_does_not_mutate(step: Step, records: list[Conversation]) -> list[str]:
    before = [_snapshot(c) for c in records]
    _run(step, records)
    changed = [c.id for c, snap in zip(records, before, strict=True) if _snapshot(c) != snap]
    if changed:
        return [
            f"mutated its input ({', '.join(changed[:3])}); return conv.model_copy(...) "
            "or conv.with_messages(...) instead"
        ]
    return []


def _check_picklable(step: Step, records: list[Conversation]) -> list[str]:
    try:
        clone = pickle.loads(pickle.dumps(step))
    except Exception as exc:
        return [
            f"cannot be pickled ({type(exc).__name__}: {exc}), so it cannot run with "
            "--workers; keep parameters plain and build heavy state lazily"
        ]
    if clone != step:
        return ["an unpickled copy is not equal to the step"]
    if step.per_record:
        mine = [_brief(o) for o in _run(step, records)]
        theirs = [_brief(o) for o in _run(clone, records)]
        if mine != theirs:
            return ["an unpickled copy gives different results"]
    return []


_CHECKS: list[Callable[[Step, list[Conversation]], list[str]]] = [
    _check_init_stores_params,
    _check_recipe_round_trip,
    _check_docstring_summary,
    _check_outcomes,
    _check_does_not_mutate,
    _check_picklable,
]


def _run(step: Step, records: list[Conversation]) -> list[Any]:
    return list(step.run(iter(records), StepStats(step.name)))


def _snapshot(conv: Conversation) -> Any:
    return (conv.model_dump(mode="json"), conv.source, conv.line)


def _brief(outcome: Any) -> Any:
    if isinstance(outcome, Reject):
        return ("reject", outcome.reason, outcome.id)
    if isinstance(outcome, Conversation):
        return ("kept", outcome.model_dump(mode="json"))
    return ("other", repr(outcome))
