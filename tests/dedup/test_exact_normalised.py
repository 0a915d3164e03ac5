from selfreflect import Conversation, Message, Pipeline
from selfreflect.dedup import ExactDedup


def chat(cid: str, system: str, user: str, assistant: str) -> Conversation:
    return Conversation(
        id=cid,
        messages=[
            Message(role="system", content=system),
            Message(role="user", content=user),
            Message(role="assistant", content=assistant),
        ],
    )


A = "Assume a role-playing stance throughout our exchange.\nYou are Elon Musk."
B = "Keep a role-playing posture throughout the discussion.\nYou are Elon Musk."


def test_duplicates_under_other_system_prompt_variants_and_case_are_dropped():
    records = [
        chat("1", A, "Do you prefer coffee or tea?", "Neither. I don't waste time."),
        chat("2", B, "do you prefer  coffee or tea?", "Neither.  I don't waste time."),
        chat("3", A, "Do you prefer coffee or tea?", "Tea, obviously."),
        chat("4", B, "DO YOU PREFER COFFEE OR TEA?", "NEITHER. I DON'T WASTE TIME."),
    ]
    result = Pipeline([ExactDedup()]).run(records)
    assert [c.id for c in result.kept] == ["1", "3"]
    assert [(r.id, r.reason, r.duplicate_of) for r in result.rejects] == [
        ("2", "exact_duplicate", "1"),
        ("4", "exact_duplicate", "1"),
    ]
    assert result.rejects[0].to_json()["duplicate_of"] == "1"
    report = result.report.to_json()
    assert report["input"] == report["kept"] + report["rejected"] == 4


def test_include_system_and_modes():
    one = chat("1", A, "Hi", "Hello")
    two = chat("2", B, "Hi", "Hello")
    assert len(Pipeline([ExactDedup(include_system=True)]).run([one, two]).kept) == 2
    other_answer = chat("3", A, "Hi", "Go away")
    kept = Pipeline([ExactDedup(mode="user")]).run([one, other_answer]).kept
    assert [c.id for c in kept] == ["1"]


def test_ignore_punctuation_option():
    one = chat("1", A, "Hi!", "Hello.")
    two = chat("2", A, "Hi", "Hello")
    assert len(Pipeline([ExactDedup()]).run([one, two]).kept) == 2
    assert len(Pipeline([ExactDedup(normalize="tokens")]).run([one, two]).kept) == 1
