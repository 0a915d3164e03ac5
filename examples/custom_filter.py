"""Write a custom filter in ten lines, run it, and save the pipeline as a recipe.

    python examples/custom_filter.py

A filter is a class with one method, ``keep``: return True to keep a conversation, or
``(False, reason, detail)`` to drop it. The base class does the loop, the counting and the rejects.
"""

from __future__ import annotations

import yaml

from selfreflect import Conversation, Filter, Pipeline


class DropShouting(Filter):
    """Drop conversations where a user turn is written in capitals."""

    reasons = {"shouting": "a user turn is mostly capital letters"}

    def __init__(self, min_letters: int = 8, max_upper_ratio: float = 0.8):
        self.min_letters = min_letters
        self.max_upper_ratio = max_upper_ratio

    def keep(self, conv: Conversation) -> bool | tuple[bool, str, str]:
        for message in conv.turns("user"):
            letters = [c for c in message.content if c.isalpha()]
            upper = sum(c.isupper() for c in letters)
            if len(letters) >= self.min_letters and upper / len(letters) > self.max_upper_ratio:
                return False, "shouting", message.content[:40]
        return True


def main() -> dict:
    records = [
        Conversation(
            id="calm",
            messages=[
                {"role": "user", "content": "Could you help me?"},
                {"role": "assistant", "content": "Of course."},
            ],
        ),
        Conversation(
            id="loud",
            messages=[
                {"role": "user", "content": "WHY IS THIS BROKEN"},
                {"role": "assistant", "content": "Let's look."},
            ],
        ),
        Conversation(
            id="short",
            messages=[{"role": "user", "content": "OK"}, {"role": "assistant", "content": "Good."}],
        ),
    ]
    pipeline = Pipeline([DropShouting(min_letters=5)])
    result = pipeline.run(records)

    print("kept:", [c.id for c in result.kept])
    for reject in result.rejects:
        print(f"rejected {reject.id}: {reject.step}/{reject.reason}: {reject.detail}")
    print()
    print(result.report.table())

    # __init__ only stores its parameters, so the pipeline is data: this is a recipe. To use
    # `drop_shouting` by name in a recipe file, register the class in your package's pyproject:
    # [project.entry-points."selfreflect.steps"] drop_shouting = "mypackage.filters:DropShouting"
    recipe = yaml.safe_dump({"steps": [step.to_dict() for step in pipeline.steps]}, sort_keys=False)
    print("\nas a recipe:\n" + recipe)
    return {
        "kept": [c.id for c in result.kept],
        "rejected": [r.id for r in result.rejects],
        "recipe": recipe,
    }


if __name__ == "__main__":
    main()
