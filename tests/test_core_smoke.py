from selfreflect import Conversation, Filter, Message, Rewriter


class DropShort(Filter):
    """Drop conversations whose assistant says fewer than n characters."""

    reasons = {"too_short": "assistant answer shorter than n characters"}

    def __init__(self, n: int = 5):
        self.n = n

    def keep(self, conv):
        if any(len(m.content) < self.n for m in conv.turns("assistant")):
            return False, "too_short"
        return True


class Upper(Rewriter):
    """Upper-case the assistant."""

    def rewrite(self, conv):
        msgs = [
            m.model_copy(update={"content": m.content.upper()}) if m.role == "assistant" else m
            for m in conv.messages
        ]
        return conv.with_messages(msgs)


def conv(i, answer):
    return Conversation(
        id=str(i),
        messages=[Message(role="user", content="hi"), Message(role="assistant", content=answer)],
    )


def test_pipeline_accounts_for_every_record():
    records = [conv(1, "hello there"), conv(2, "no"), conv(3, "yes sir")]
    result = (DropShort(5) | Upper()).run(records)
    assert [c.id for c in result.kept] == ["1", "3"]
    assert result.kept[0].messages[1].content == "HELLO THERE"
    assert [(r.id, r.reason) for r in result.rejects] == [("2", "too_short")]
    rep = result.report.to_json()
    assert (rep["input"], rep["kept"], rep["rejected"]) == (3, 2, 1)
    names = [s["name"] for s in rep["steps"]]
    assert names == ["read", "drop_short", "upper"]
    assert rep["steps"][1]["reasons"] == {"too_short": 1}
    assert rep["steps"][2]["modified"] == 2


def test_step_params_roundtrip_and_equality():
    assert DropShort(7).to_dict() == {"step": "drop_short", "n": 7}
    assert DropShort(7) == DropShort(7) and DropShort(7) != DropShort(8)
