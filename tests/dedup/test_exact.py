"""exact_dedup and the shared key."""

from selfreflect.conversation import Conversation
from selfreflect.dedup import ExactDedup, exact_key
from selfreflect.pipeline import Pipeline
from selfreflect.registry import get


def conv(i, user, assistant, system=None, **metadata):
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return Conversation(id=str(i), messages=messages, metadata=metadata)


def test_key_masks_system_prompt_and_whitespace():
    assert exact_key(conv(1, "Hi  there", "Hello", "A")) == exact_key(conv(2, "Hi there ", "Hello"))
    assert exact_key(conv(1, "Hi", "Hello")) != exact_key(conv(2, "Hi", "Hello!"))
    assert exact_key(conv(1, "Hi", "Hello!"), normalize="tokens") == exact_key(
        conv(2, "hi", "hello"), normalize="tokens"
    )


def test_key_separates_roles():
    """The same text said by the other role is not the same conversation."""
    a = Conversation(
        id="a", messages=[{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]
    )
    b = Conversation(
        id="b", messages=[{"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}]
    )
    assert exact_key(a) != exact_key(b)
    assert exact_key(a, "first_user") == exact_key(conv(3, "x", "zzz"), "first_user")


def test_step_drops_later_copies():
    step = get("exact_dedup")()
    records = [
        conv(1, "q", "a"),
        conv(2, "q", "b"),
        conv(3, "q", "a", "persona"),
        conv(4, "q", "a"),
    ]
    result = Pipeline([step]).run(records)
    assert [c.id for c in result.kept] == ["1", "2"]
    assert [(r.id, r.reason, r.duplicate_of) for r in result.rejects] == [
        ("3", "exact_duplicate", "1"),
        ("4", "exact_duplicate", "1"),
    ]
    result.report.check()
    assert result.report.steps[-1].counters["index_bytes"] > 0


def test_keep_score():
    records = [conv(1, "q", "a", s=1), conv(2, "q", "a", s=5), conv(3, "q", "a")]
    result = Pipeline([ExactDedup(keep="score", score_key="s")]).run(records)
    assert [c.id for c in result.kept] == ["2"]
    assert {r.duplicate_of for r in result.rejects} == {"2"}
