from selfreflect import Conversation, Message, Reject
from selfreflect.filters import DropByLength
from selfreflect.filters.length import count_words


def conv(*turns: tuple[str, str]) -> Conversation:
    return Conversation(id="x", messages=[Message(role=r, content=c) for r, c in turns])


def test_short_natural_replies_in_multi_turn_dialogs_are_kept():
    record = conv(
        ("user", "Can you help me plan a trip to Kyoto?"),
        ("assistant", "Of course! How many days do you have?"),
        ("user", "5"),
        ("assistant", "Sure!"),
        ("user", "好"),
        ("assistant", "Ok"),
    )
    assert DropByLength().process(record) is record


def test_one_character_single_turn_record_is_dropped():
    out = DropByLength().process(
        conv(("user", "What's your favourite number?"), ("assistant", "6"))
    )
    assert isinstance(out, Reject) and out.reason == "too_short_assistant"
    out = DropByLength().process(conv(("user", "?"), ("assistant", "What do you want to know?")))
    assert out.reason == "too_short_user"


def test_elon_short_answer_is_natural_and_kept():
    record = conv(("user", "Do you prefer coffee or tea?"), ("assistant", "Neither."))
    assert DropByLength().process(record) is record


def test_too_long_and_words_unit():
    long = conv(("user", "Tell me a story"), ("assistant", "word " * 30))
    assert DropByLength(unit="words", max_length={"assistant": 20}).process(long).reason == (
        "too_long_assistant"
    )
    short = conv(("user", "Tell me a story"), ("assistant", "Once upon a time."))
    assert DropByLength(unit="words", min_length={"assistant": 5}).process(short).reason == (
        "too_short_assistant"
    )
    assert DropByLength(unit="words", min_length={"assistant": 4}).process(short) is short


def test_default_max_drops_a_huge_turn():
    out = DropByLength().process(conv(("user", "hi"), ("assistant", "x" * 20001)))
    assert out.reason == "too_long_assistant"


def test_word_count_handles_scripts_without_spaces():
    assert count_words("I am fine, thanks") == 4
    assert count_words("我很好") == 3
    assert count_words("สวัสดี") == 6  # Thai: one per character (an upper bound, documented)
