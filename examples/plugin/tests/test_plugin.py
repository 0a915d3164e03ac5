"""How a plugin tests itself: selfreflect's conformance check plus its own behaviour."""

from selfreflect_banned_words import DropBannedWords

from selfreflect import Conversation, Message
from selfreflect.testing import check_step


def test_conforms():
    check_step(DropBannedWords())
    check_step(DropBannedWords(words=("dragon",), roles=("user", "assistant")))


def test_drops_banned_words_only_as_whole_words():
    def conv(answer):
        return Conversation(
            id="1",
            messages=[
                Message(role="user", content="hi"),
                Message(role="assistant", content=answer),
            ],
        )

    step = DropBannedWords(words=("openai",))
    assert step.process(conv("Made by OpenAI.")).reason == "banned_word"
    assert step.process(conv("openairship")) is not None
    assert isinstance(step.process(conv("openairship")), Conversation)
