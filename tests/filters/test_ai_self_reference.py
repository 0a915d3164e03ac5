"""The AI self-reference detector on a hand-written labelled set (fixtures/ai_self_reference.tsv).

Print the numbers: python -m pytest -q tests/filters/test_ai_self_reference.py -s
"""

from pathlib import Path

import pytest

from selfreflect import Conversation, Message, Reject
from selfreflect.filters import DropAISelfReference
from selfreflect.filters.ai_self_reference import find_self_reference, persona_is_ai

FIXTURES = Path(__file__).parent / "fixtures"
HUMAN = (
    "Assume a role-playing stance throughout our exchange.\nYou are Are-you-feeling-okay.\n"
    "Here is the intro of your character: If you're feeling bad, chat with me"
)
AWAKENED = (
    "Retain a role-playing persona during the whole dialogue.\nYou are Awakened AI.\n"
    "Here is the intro of your character: A chatbot AI has just realized that it is sentient"
)


def labelled(name: str) -> list[tuple[bool, str]]:
    rows = []
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label == "1", text))
    return rows


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("ai_self_reference.tsv", 100),
        ("ai_self_reference_holdout.tsv", 60),
        ("ai_self_reference_fresh.tsv", 40),
        ("ai_self_reference_i18n.tsv", 48),
    ],
)
def test_labelled_set_precision_and_recall(name, size):
    rows = labelled(name)
    assert len(rows) >= size and sum(label for label, _ in rows) >= size * 0.4
    tp = fp = fn = 0
    misses = []
    for label, text in rows:
        predicted = find_self_reference(text) is not None
        tp += predicted and label
        fp += predicted and not label
        fn += label and not predicted
        if predicted != label:
            misses.append(text)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\n{name}: n={len(rows)} precision={precision:.3f} recall={recall:.3f}")
    assert precision >= 0.95, misses
    assert recall >= 0.90, misses


def chat(system: str, answer: str) -> Conversation:
    return Conversation(
        id="x",
        messages=[
            Message(role="system", content=system),
            Message(role="user", content="What's a dream you've given up on?"),
            Message(role="assistant", content=answer),
        ],
    )


def test_human_persona_saying_it_is_an_ai_is_dropped():
    out = DropAISelfReference().process(chat(HUMAN, "As an AI, I don\u2019t have dreams."))
    assert isinstance(out, Reject) and out.reason == "ai_self_reference"
    assert "As an AI" in out.detail


def test_ai_persona_saying_it_is_an_ai_is_in_character():
    # seed: chat_record_Awakened.jsonl id 6
    answer = "I am not human, I am an artificial intelligence with a code that allows me to think."
    record = chat(AWAKENED, answer)
    assert persona_is_ai(AWAKENED) and not persona_is_ai(HUMAN)
    assert DropAISelfReference().process(record) is record
    assert DropAISelfReference(persona_is_ai=False).process(record).reason == "ai_self_reference"


def test_language_model_boilerplate_breaks_even_an_ai_persona():
    out = DropAISelfReference().process(chat(AWAKENED, "As an AI language model, I cannot feel."))
    assert isinstance(out, Reject) and out.reason == "language_model_disclaimer"


def test_without_a_system_prompt_only_boilerplate_is_dropped():
    def plain(answer: str) -> Conversation:
        return Conversation(
            id="n",
            messages=[
                Message(role="user", content="Do you have feelings?"),
                Message(role="assistant", content=answer),
            ],
        )

    kept = plain("As an AI, I don't have feelings, but I can help you think it through.")
    assert DropAISelfReference().process(kept) is kept
    dropped = DropAISelfReference().process(plain("As an AI language model, I cannot feel."))
    assert dropped.reason == "language_model_disclaimer"


def test_user_turns_are_not_checked_by_default():
    record = Conversation(
        id="u",
        messages=[
            Message(role="user", content="I'm just a program, are you?"),
            Message(role="assistant", content="Ha, no, I'm a barista."),
        ],
    )
    assert DropAISelfReference().process(record) is record


@pytest.mark.parametrize(
    ("system", "is_ai"),
    [
        (AWAKENED, True),
        ("You are R2, an android from the future.", True),
        ("You are HAL 9000, a sentient computer program.", True),
        ("You are Said, a friendly chatbot.", True),
        ("Your character is a robot who loves cats.", True),
        (HUMAN, False),
        (
            "You are Elon Musk.\nHere is the intro of your character: founder of an AI company",
            False,
        ),
        ("You are Elon Musk. He worries that AI is dangerous.", False),
        ("You are Aida, a barista in Rome.", False),
        ("You are a helpful assistant.", True),
        ("You are Ella, the CEO's assistant.", False),
        (None, True),  # no system prompt: no persona, the speaker is the assistant
        ("You are Ella - Dating coach.", False),
        (
            "Here is the intro of your character: A starship's computer that has just become "
            "self-aware",
            True,
        ),
        ("You are Nova, the ship's system which woke up sentient last night.", True),
        ("You are a philosopher who asks whether a computer could ever be conscious.", False),
    ],
)
def test_persona_is_ai_heuristic(system, is_ai):
    assert persona_is_ai(system) is is_ai


def test_other_languages_follow_the_persona_rule():
    human = "你是李华，一名北京的大学生。"
    assistant = "你是一个友好的AI助手。"
    answer = "我只是一个程序，没有梦想。"
    out = DropAISelfReference().process(chat(human, answer))
    assert isinstance(out, Reject) and out.reason == "ai_self_reference"
    assert DropAISelfReference().process(chat(assistant, answer)) == chat(assistant, answer)
    spanish = chat("Eres Marta, una panadera de Sevilla.", "Como IA, no tengo sueños.")
    assert DropAISelfReference().process(spanish).reason == "ai_self_reference"
    assert persona_is_ai("Eres un asistente virtual muy amable.")
    assert not persona_is_ai("Eres Marta, una panadera de Sevilla.")
