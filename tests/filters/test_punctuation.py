from selfreflect import Conversation, Message
from selfreflect.filters import NormalizePunctuation


def text(s: str, **params) -> str:
    return NormalizePunctuation(**params).rewrite_text(s)


def test_curly_quotes_and_apostrophes_become_plain():
    assert (
        text("I don\u2019t know \u201cwhy\u201d \u2018it\u2019 broke")
        == "I don't know \"why\" 'it' broke"
    )


def test_seed_literal_escape_u2019_is_decoded_too():
    # the seed's note "\u2019 --> '" also covers text that was escaped twice
    assert text("As an AI, I don\\u2019t") == "As an AI, I don't"
    assert text("a path C:\\users\\u1234") == "a path C:\\users\\u1234"  # only mapped characters


def test_dashes_and_ellipsis():
    assert text("1990\u20132000\u2026 well") == "1990-2000... well"
    assert text("wait \u2014 what") == "wait \u2014 what"  # em dash is prose punctuation: kept


def test_and_or_becomes_and_with_word_boundaries_and_case():
    assert text("cats and/or dogs") == "cats and dogs"
    assert text("And/or maybe. AND/OR NOT") == "And maybe. AND NOT"
    assert text("sand/orange and/ore band/or") == "sand/orange and/ore band/or"
    assert text("the notes also write and\\or") == "the notes also write and"


def test_custom_phrase_map_and_empty_map():
    assert text("u r gr8", phrase_map={"u": "you", "r": "are"}) == "you are gr8"
    assert text("cats and/or dogs", phrase_map={}) == "cats and/or dogs"


def test_chinese_text_keeps_its_punctuation_except_quotes():
    assert text("你好，世界！“AI”") == '你好，世界！"AI"'


def test_rewriter_returns_same_object_when_nothing_changes():
    conv = Conversation(id="1", messages=[Message(role="user", content="plain 'text'")])
    assert NormalizePunctuation().rewrite(conv) is conv
    curly = Conversation(id="2", messages=[Message(role="assistant", content="it\u2019s")])
    assert NormalizePunctuation().rewrite(curly).messages[0].content == "it's"
