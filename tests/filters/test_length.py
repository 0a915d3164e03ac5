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


def test_one_word_answer_of_a_single_turn_record_is_dropped():
    out = DropByLength().process(
        conv(("user", "What's your favourite number?"), ("assistant", "6"))
    )
    assert isinstance(out, Reject) and out.reason == "too_short_assistant"
    assert out.detail == "message 1 (assistant) has 1 words, minimum 2"
    out = DropByLength().process(conv(("user", "Coffee or tea?"), ("assistant", "Neither.")))
    assert out.reason == "too_short_assistant"


def test_short_but_real_single_turn_answers_are_kept():
    for answer in ["Neither. I don't waste time on caffeine.", "No way!", "是的", "好的，谢谢"]:
        record = conv(("user", "Do you prefer coffee or tea?"), ("assistant", answer))
        assert DropByLength().process(record) is record, answer


def test_chars_unit_defaults_drop_only_one_character_answers():
    step = DropByLength(unit="chars")
    assert (
        step.process(conv(("user", "Coffee?"), ("assistant", "6"))).reason == "too_short_assistant"
    )
    kept = conv(("user", "Coffee?"), ("assistant", "No."))
    assert step.process(kept) is kept


def test_custom_limits_per_role():
    long = conv(("user", "Tell me a story"), ("assistant", "word " * 30))
    assert DropByLength(max_length={"assistant": 20}).process(long).reason == "too_long_assistant"
    short = conv(("user", "Tell me a story"), ("assistant", "Once upon a time."))
    assert DropByLength(min_length={"assistant": 5}).process(short).reason == "too_short_assistant"
    assert DropByLength(min_length={"assistant": 4}).process(short) is short
    terse = conv(("user", "Hi"), ("assistant", "Hello there, friend"))
    assert DropByLength(min_length={"user": 2}).process(terse).reason == "too_short_user"


def test_default_max_drops_a_huge_turn():
    out = DropByLength().process(conv(("user", "hi"), ("assistant", "word " * 8001)))
    assert out.reason == "too_long_assistant"
    out = DropByLength(unit="chars").process(conv(("user", "hi"), ("assistant", "x" * 32001)))
    assert out.reason == "too_long_assistant"


def test_word_count_handles_scripts_without_spaces():
    assert count_words("I am fine, thanks") == 4
    assert count_words("我很好") == 3
    assert count_words("สวัสดี") == 6  # Thai: one per character (an upper bound, documented)
