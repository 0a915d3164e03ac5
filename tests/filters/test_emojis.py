import pytest

from selfreflect import Conversation, Message
from selfreflect.filters import DropEmojiTurns, RemoveEmoji
from selfreflect.filters.emojis import remove_emoji


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # the seed's Billie Eilish record (id 0)
        (
            "I just don't have the brains to understand it \U0001f614",
            "I just don't have the brains to understand it",
        ),
        ("I love it \U0001f60d!", "I love it!"),
        ("\U0001f600 Hello", "Hello"),
        (
            "Hi \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 there",
            "Hi there",
        ),  # ZWJ family
        ("Nice \U0001f44d\U0001f3fd work", "Nice work"),  # skin tone
        ("Go \U0001f1eb\U0001f1f7 team", "Go team"),  # flag
        ("Press 1\ufe0f\u20e3 now", "Press now"),  # keycap
        ("Love \u2764\ufe0f you", "Love you"),  # variation selector
        ("a \U0001f600 \U0001f600 b", "a b"),
        ("line one \U0001f389\n\U0001f389 line two", "line one\nline two"),
        ("wow\U0001f600.", "wow."),
        ("你好\U0001f60a，世界", "你好，世界"),
        ("\u00a9 2020 Acme\u2122", "\u00a9 2020 Acme\u2122"),  # kept by default
        ("Bonjour ! \u00e7a va ?", "Bonjour ! \u00e7a va ?"),  # untouched spacing elsewhere
        ("Stray selector\ufe0f here", "Stray selector here"),
    ],
)
def test_remove_emoji_leaves_readable_text(before, after):
    assert remove_emoji(before, keep="\u00a9\u00ae\u2122") == after


def test_remove_emoji_step_only_touches_chat_roles():
    conv = Conversation(
        id="1",
        messages=[
            Message(role="system", content="You are \U0001f916 bot"),
            Message(role="user", content="hi \U0001f44b"),
            Message(role="assistant", content="hello \U0001f600"),
        ],
    )
    out = RemoveEmoji().rewrite(conv)
    assert [m.content for m in out.messages] == ["You are \U0001f916 bot", "hi", "hello"]


def conv(user: str, assistant: str) -> Conversation:
    return Conversation(
        id="x",
        messages=[Message(role="user", content=user), Message(role="assistant", content=assistant)],
    )


def test_drop_turns_made_mostly_of_emoji():
    step = DropEmojiTurns()
    assert step.process(conv("\U0001f602\U0001f602\U0001f602", "Why are you laughing?")).reason == (
        "mostly_emoji_user"
    )
    assert (
        step.process(conv("How was it?", "\U0001f525\U0001f525\U0001f525 ok")).reason
        == "mostly_emoji_assistant"
    )
    ok = conv(
        "Hi \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
        "Hello to the whole family!",
    )
    assert step.process(ok) is ok  # one family emoji is one symbol, not seven


def test_fast_path_misses_no_emoji_of_the_emoji_package():
    import emoji

    from selfreflect.filters.emojis import _EMOJI_START

    assert all(_EMOJI_START.match(e[0]) for e in emoji.EMOJI_DATA if not e[0].isascii())


def test_windowed_spans_equal_the_emoji_package_on_long_mixed_text():
    import emoji

    from selfreflect.filters.emojis import emoji_spans

    text = (
        "Start \U0001f600 then a long stretch of words " * 3
        + "1\ufe0f\u20e3 keycap, "
        + "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
        + " flag, "
        + "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466" * 3
        + " family run, \U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea flags, "
        + "caf\u00e9 \u00a9 \u4f60\u597d"
    )
    expected = [(e["match_start"], e["match_end"]) for e in emoji.emoji_list(text)]
    assert emoji_spans(text) == expected
