"""Every filter step survives odd text, and the text rewriters are idempotent."""

import random

import pytest

from selfreflect import Conversation, Message, Reject, StepStats, registry

PIECES = [
    *"abc XYZ .,!?'\"\n\t\r",
    "你好", "  ", "\u2019", "\u201c", "\u2026", "\U0001f600", "\U0001f44d\U0001f3fd",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f1eb\U0001f1f7", "1\ufe0f\u20e3", "\ufe0f",
    "\u200d", "\ufffd", "\x00", "\x85", "Ã©", "â€™", "```", "\ue000", "\ue0001\ue001", "and/or",
    "As an AI, ", "I'm just a program. ", "continue", "\\u2019", "\u00a9", "  \n\n\n ", "\u093e",
    "\u0650", "\U000e0067",
]  # fmt: skip
FILTER_STEPS = [
    name
    for name, cls in registry.available().items()
    if cls.__module__.startswith("selfreflect.filters")
]
REWRITERS = ["normalize_whitespace", "remove_emoji", "normalize_punctuation"]


def odd_records(n: int = 150) -> list[Conversation]:
    rng = random.Random(7)
    shapes = [
        ["user", "assistant"],
        ["system", "user", "assistant"],
        ["assistant"],
        ["user", "user", "assistant"],
        ["system", "user", "assistant", "user", "assistant"],
    ]
    records = []
    for i in range(n):
        roles = rng.choice(shapes)
        messages = [
            Message(role=r, content="".join(rng.choice(PIECES) for _ in range(rng.randint(0, 25))))
            for r in roles
        ]
        records.append(Conversation(id=str(i), messages=messages))
    return records


@pytest.mark.parametrize("name", FILTER_STEPS)
def test_step_gives_one_outcome_per_odd_record(name):
    step = registry.get(name)()
    for record in odd_records():
        outcomes = list(step.run([record], StepStats(name)))
        assert len(outcomes) == 1
        assert isinstance(outcomes[0], Conversation | Reject)


@pytest.mark.parametrize("name", REWRITERS)
def test_rewriters_are_idempotent(name):
    step = registry.get(name)()
    for record in odd_records():
        once = step.process(record)
        assert step.process(once).messages == once.messages
