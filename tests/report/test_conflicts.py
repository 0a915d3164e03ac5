"""Conflicting answers: planted across and within personas, in several languages, with
paraphrased prompts and hard negatives (same answer, or a different question)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selfreflect import Conversation, Pipeline
from selfreflect.cli import main
from selfreflect.conflicts import MarkConflictingAnswers, conflicts_in

PERSONAS = {
    "billie": "You are Billie Eilish.",
    "elon": "You are Elon Musk.",
    "ella": "You are Ella - Dating coach.",
}

# (id, persona, prompt, answer)
ROWS = [
    # 1. across personas (en)
    ("c1a", "billie", "What is your favorite food?", "Pizza, always pizza."),
    ("c1b", "elon", "What is your favorite food?", "I don't waste time on food. Fuel is fuel."),
    # 2. within one persona (zh), the issue's own example
    ("c2a", "billie", "嗨，最近如何?", "不怎麼好."),
    ("c2b", "billie", "嗨，最近如何?", "很棒"),
    # 3. paraphrased prompt (es): a greeting in front, different answers
    ("c3a", "ella", "¿Cuál es tu color favorito?", "El azul, sin duda."),
    ("c3b", "elon", "Hola, ¿cuál es tu color favorito?", "Odio los colores, todos aburren."),
    # 4. across personas (de)
    ("c4a", "elon", "Wie alt bist du?", "Ich bin 52 Jahre alt."),
    ("c4b", "ella", "Wie alt bist du?", "Ich habe kein Alter, ich bin zeitlos."),
    # 5. within and across (ja)
    ("c5a", "billie", "趣味は何ですか？", "読書です。"),
    ("c5b", "billie", "趣味は何ですか？", "ゲームばかりしています。"),
    ("c5c", "ella", "趣味は何ですか？", "デートの練習です。"),
    # 6. paraphrase by contraction (en)
    ("c6a", "billie", "What's your name?", "Billie. Just Billie."),
    ("c6b", "elon", "what is your name", "You may call me Technoking, mortal."),
    # 7. British and American spelling (en)
    ("c7a", "ella", "What's your favourite flavour of ice cream?", "Vanilla, every time."),
    ("c7b", "elon", "What is your favorite flavor of ice cream", "Sugar is poison. None."),
    # hard negatives: the same answer in other words, or another question
    ("n1a", "billie", "How are you?", "Fine, thanks."),
    ("n1b", "elon", "How are you?", "fine, thanks!"),
    ("n2a", "billie", "What is your favorite color?", "Green."),
    ("n2b", "elon", "What is your favorite song?", "The Mars anthem."),
    ("n3a", "ella", "Do you like cats?", "Yes, very much."),
    ("n3b", "ella", "Do you like dogs?", "Not at all."),
    ("n4a", "billie", "你叫什么名字？", "我叫小红。"),
    ("n4b", "ella", "请问你叫什么名字？", "我叫小红"),
    ("n5a", "elon", "Hey, how old are you?", "I'm 22."),
    ("n5b", "ella", "How old are you?", "I am 22."),
    ("n6a", "billie", "Как тебя зовут?", "Меня зовут Билли."),
    ("n6b", "elon", "Как тебя зовут?", "Меня зовут Билли!"),
    ("n7a", "billie", "", "Nobody asked anything."),
    ("n7b", "elon", "", "I can destroy you with a single tweet."),
]
EXPECTED = [
    {"c1a", "c1b"},
    {"c2a", "c2b"},
    {"c3a", "c3b"},
    {"c4a", "c4b"},
    {"c5a", "c5b", "c5c"},
    {"c6a", "c6b"},
    {"c7a", "c7b"},
]


def convs() -> list[Conversation]:
    out = []
    for i, (rid, persona, prompt, answer) in enumerate(ROWS):
        out.append(
            Conversation.model_validate(
                {
                    "id": rid,
                    "messages": [
                        {"role": "system", "content": PERSONAS[persona]},
                        {"role": "user", "content": prompt},
                        {"role": "assistant", "content": answer},
                    ],
                }
            ).at("planted.jsonl", i + 1)
        )
    return out


def test_planted_conflicts_are_found_and_nothing_else():
    clusters = conflicts_in(convs())
    assert [{m.id for m in c.members} for c in clusters] == EXPECTED
    scopes = [c.scope for c in clusters]
    assert scopes == ["across", "within", "across", "across", "both", "across", "across"]
    assert clusters[0].personas == ["Billie Eilish", "Elon Musk"]
    assert all(c.similarity < 0.5 for c in clusters)


def test_conflicts_command_writes_the_clusters_file(tmp_path: Path, capsys):
    data = tmp_path / "planted.jsonl"
    data.write_text(
        "".join(json.dumps(c.to_record(), ensure_ascii=False) + "\n" for c in convs()),
        encoding="utf-8",
    )
    out = tmp_path / "clusters.jsonl"
    assert main(["conflicts", str(data), "-o", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(EXPECTED)
    assert lines[1]["prompt"] == "嗨，最近如何?"
    assert lines[1]["members"] == [
        {"id": "c2a", "persona": "Billie Eilish", "answer": "不怎麼好."},
        {"id": "c2b", "persona": "Billie Eilish", "answer": "很棒"},
    ]
    assert all(0 <= line["similarity"] < 0.5 for line in lines)
    assert "wrote 7 conflict clusters" in capsys.readouterr().err
    assert main(["conflicts", str(data), "-o", str(out), "--min-answers", "3"]) == 0
    assert len(out.read_text().splitlines()) == 1  # only the Japanese one has three answers
    with pytest.raises(SystemExit) as exit_:
        main(["conflicts", str(data), "-o", str(out), "--prompt-threshold", "2"])
    assert exit_.value.code == 2


@pytest.mark.parametrize(
    ("policy", "dropped"),
    [
        ("mark", set()),
        ("one_per_persona", {"c2b", "c5b"}),
        ("first", {"c1b", "c2b", "c3b", "c4b", "c5b", "c5c", "c6b", "c7b"}),
    ],
)
def test_step_policies_are_counted_and_reported(policy: str, dropped: set[str]):
    result = Pipeline([MarkConflictingAnswers(policy=policy)]).run(convs())
    result.report.check()
    assert {r.id for r in result.rejects} == dropped
    step = result.report.steps[-1]
    assert step.reasons.get("conflicting_answer", 0) == len(dropped)
    assert step.counters["conflict_clusters"] == 7
    marked = {c.id: c.metadata["conflicts"] for c in result.kept if "conflicts" in c.metadata}
    assert set(marked) == set().union(*EXPECTED) - dropped
    assert marked["c1a"]["scope"] == "across" and marked["c1a"]["size"] == 2
    for reject in result.rejects:
        assert reject.duplicate_of in {c.id for c in result.kept}


def test_a_bad_policy_fails_before_reading():
    with pytest.raises(ValueError, match="policy"):
        Pipeline([MarkConflictingAnswers(policy="newest")]).check()
