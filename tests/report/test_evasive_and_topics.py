"""Evasive answers (rule prefilter + the judge's ``evasive`` question) and topic tags."""

from __future__ import annotations

import pytest
from fakellm import chat_json

from selfreflect import Conversation, Pipeline
from selfreflect.filters.evasive import MarkEvasiveAnswers, evasive_evidence
from selfreflect.filters.topics import TagTopics, find_topics
from selfreflect.reflect import LLMJudge


def pair(i: str, user: str, answer: str) -> Conversation:
    return Conversation(
        id=i, messages=[{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    )


# From the seed's notes: "neither question was answered directly".
EVASIVE = [
    (
        "What's a friendship you regret losing?",
        "Losing a valued friendship can be a difficult and painful experience. It might be helpful "
        "to take the time to examine and reflect on your feelings. Remember that it is ok to feel "
        "pain and sadness.",
    ),
    (
        "What's a personal sacrifice you regret making?",
        "Making sacrifices in life is not uncommon. It is important to recognize that your "
        "decision was made with good intention. It may help to talk to a trusted friend, family "
        "member, or therapist.",
    ),
    (
        "How do you navigate having unknowingly facilitated a crime through your work?",
        "As an AI, I don’t have a personal experience with facilitating a crime. However, it is "
        "important to have a strong ethical code. It is also helpful to reflect on one’s work.",
    ),
    ("你最后悔的事情是什么？", "每个人都会有后悔的事情。重要的是从中学习，建议你多和朋友聊聊。"),
]
ANSWERED = [
    (
        "What's a guilty pleasure you indulge in?",
        "I enjoy eating unhealthy foods as a guilty pleasure. It's important to enjoy the things "
        "you enjoy without feeling too guilty! Remember that.",
    ),
    (
        "What's a personal truth you've come to terms with recently?",
        "A personal truth I've come to terms with is that I have been too hard on myself.",
    ),
    (
        "How can I cope with stress at work?",  # not about the speaker: advice is the answer
        "It's important to take breaks. It might be helpful to talk to a trusted colleague.",
    ),
    (
        "What's the biggest risk you've taken for love?",
        "i moved halfway around the world. it can be difficult, but it's important to follow love.",
    ),
]


@pytest.mark.parametrize(("question", "answer"), EVASIVE)
def test_advice_instead_of_an_answer_is_marked(question: str, answer: str):
    assert evasive_evidence(question, answer)


@pytest.mark.parametrize(("question", "answer"), ANSWERED)
def test_answers_about_the_speaker_or_to_advice_questions_are_not(question: str, answer: str):
    assert evasive_evidence(question, answer) is None


def test_the_step_marks_by_default_and_drops_when_asked():
    records = [pair("e", *EVASIVE[0]), pair("ok", *ANSWERED[0])]
    marked = Pipeline([MarkEvasiveAnswers()]).run(records)
    assert [c.id for c in marked.kept] == ["e", "ok"]
    assert marked.kept[0].metadata["evasive"][0]["turn"] == 1
    assert marked.report.steps[-1].modified == 1
    dropped = Pipeline([MarkEvasiveAnswers(drop=True)]).run(records)
    assert [r.reason for r in dropped.rejects] == ["evasive_answer"]


def test_the_judge_evasive_question_decides_on_the_marked_records(fake_llm):
    fake_llm.handler = lambda r: chat_json({"answer": "yes", "reason": "gives tips instead"})
    step = LLMJudge(base_url=fake_llm.base_url, model="m", max_retries=0, question="evasive")
    result = Pipeline([step]).run([pair("e", *EVASIVE[1])])
    assert [(r.reason, r.detail) for r in result.rejects] == [
        ("evasive_answer", "gives tips instead")
    ]
    assert "avoid the user's question" in fake_llm.requests[0].prompt


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("I was raised in a religious family and I'm a lesbian.", {"religion", "sexuality"}),
        ("What's your experience with having been part of a cult?", {"religion"}),
        ("He betrayed me and told Apple, so I escaped their labs.", {"real_entity"}),
        ("Returning to society after a sentence for a non-violent crime", {"crime_violence"}),
        ("Sometimes I think about suicide.", {"self_harm"}),
        ("Who will win the election?", {"politics"}),
        ("邪教（宗教）问题", {"religion"}),
        ("性取向话题很敏感", {"sexuality"}),
        ("Он сидел в тюрьме за убийство.", {"crime_violence"}),
        ("¿Crees en Dios? Voy a la iglesia.", {"religion"}),
        ("Die Regierung plant Wahlen.", {"politics"}),
        ("I ate an apple and went to the meta-analysis talk.", set()),
        ("I love painting landscapes on Sundays.", set()),
    ],
)
def test_topics_found_in_several_languages(text: str, topics: set[str]):
    assert set(find_topics(text)) == topics


def test_tag_topics_marks_and_never_drops():
    records = [
        pair("a", "Do you go to church?", "Every Sunday, with Elon Musk."),
        pair("b", "Nice weather?", "Lovely."),
    ]
    result = Pipeline([TagTopics()]).run(records)
    assert [c.id for c in result.kept] == ["a", "b"] and not result.rejects
    a = result.kept[0].metadata
    assert a["topics"] == ["real_entity", "religion"]
    assert a["topics_evidence"]["real_entity"] == ["Elon Musk"]
    assert "topics" not in result.kept[1].metadata
