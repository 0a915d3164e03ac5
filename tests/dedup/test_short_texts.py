"""Shingling on short chat: one-word edits caught, different answers not (threshold 0.8)."""

import numpy as np
import pytest

from selfreflect.conversation import Conversation
from selfreflect.dedup import NearDedup, shingles
from selfreflect.dedup.samples import jaccard
from selfreflect.pipeline import Pipeline


def conv(i: object, user: str, assistant: str, system: str | None = None, **metadata: object):
    """A one-exchange conversation."""
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return Conversation(id=str(i), messages=messages, metadata=metadata)


QUESTION = "Could you explain why the sky looks blue in daytime"
ANSWER = "Sunlight scatters off air molecules and blue light scatters the most so we see it"
assert len((QUESTION + " " + ANSWER).split()) == 25


def exact_jaccard(a: str, b: str, ngram: int) -> float:
    sa, sb = set(shingles(a, ngram)), set(shingles(b, ngram))
    return len(sa & sb) / len(sa | sb)


def dropped(*records, **params):
    result = Pipeline([NearDedup(**params)]).run(list(records))
    return {r.id: r for r in result.rejects}


@pytest.mark.parametrize("position", [2, 10, 20])
def test_one_word_edit_in_a_25_word_exchange_is_caught(position):
    words = ANSWER.split()
    words[position % len(words)] = "purple"
    out = dropped(conv(1, QUESTION, ANSWER), conv(2, QUESTION, " ".join(words)))
    assert set(out) == {"2"}
    assert out["2"].duplicate_of == "1"
    assert 0.8 <= out["2"].extra["jaccard"] < 1.0


def test_same_question_with_a_different_answer_is_not_caught():
    other = "Because of Rayleigh scattering which depends strongly on the wavelength of light"
    assert dropped(conv(1, QUESTION, ANSWER), conv(2, QUESTION, other)) == {}


def test_punctuation_and_case_differences_are_duplicates():
    out = dropped(conv(1, QUESTION, ANSWER), conv(2, QUESTION.upper() + "??", ANSWER + "!!!"))
    assert out["2"].extra["jaccard"] == 1.0


def test_chinese_one_character_edit_is_caught():
    q = "请问今天北京的天气怎么样，适合出去散步吗"
    a = "今天北京天气晴朗，气温适中，非常适合出去散步"
    out = dropped(conv(1, q, a), conv(2, q, a.replace("晴朗", "晴好")))
    assert set(out) == {"2"}


def test_why_bigrams_measured():
    """The measurement behind the default: only n <= 2 keeps a mid-text edit above 0.8."""
    words = (QUESTION + " " + ANSWER).split()
    edited = list(words)
    edited[13] = "purple"
    a, b = " ".join(words), " ".join(edited)
    scores = {n: exact_jaccard(a, b, n) for n in (1, 2, 3, 5)}
    assert scores[2] >= 0.8 > scores[3] > scores[5]
    # word order still counts with bigrams, not with unigrams
    assert exact_jaccard("dog bites man", "man bites dog", 1) == 1.0
    assert exact_jaccard("dog bites man", "man bites dog", 2) == 0.0


def test_bottom_k_check_is_exact_for_short_sets():
    a = np.array([1, 2, 3, 4], dtype=np.uint32)
    b = np.array([3, 4, 5], dtype=np.uint32)
    assert jaccard(a, b, k=256) == pytest.approx(2 / 5)
