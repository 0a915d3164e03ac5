"""Code, maths and markup are not garbage; short answers are judged with their question."""

import pytest

from selfreflect import Conversation, Message, Reject
from selfreflect.filters import DropByLength, DropGarbled


def pair(question: str, answer: str) -> Conversation:
    return Conversation(
        id="x",
        messages=[
            Message(role="user", content=question),
            Message(role="assistant", content=answer),
        ],
    )


MANIFEST = """Here is the manifest.json:
```json
{
  "manifest_version": 3,
  "name": "ShareGPT",
  "icons": {"16": "icon16.png", "48": "icon48.png"},
  "content_scripts": [{"matches": ["<all_urls>"], "js": ["content.js"]}]
}
```"""
PHP_REGEX = "Use this:\npreg_match('/^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$/', $email);"
LATEX = (
    "The density is $f(x)=\\frac{1}{\\sigma\\sqrt{2\\pi}}"
    "e^{-\\frac{(x-\\mu)^2}{2\\sigma^2}}$, "
    "and\n$$\\sum_{i=1}^{n} x_i^2 \\leq \\left(\\sum_{i=1}^{n} |x_i|\\right)^2$$"
)
C_WITH_FORM_FEED = "int main(void) {\n\x0c\n    return 0;\n}"
CONFIG = "[server]\nhost = 0.0.0.0\nport = 8080\n# ~~~ !@#$%^&*() ~~~\npath = /var/www/*.{html,css}"


@pytest.mark.parametrize(
    "answer",
    [
        MANIFEST,
        PHP_REGEX,
        LATEX,
        C_WITH_FORM_FEED,
        CONFIG,
        "!!!!!!!!!!11",
        "?????????",
        "Wait...... what?!?!?!?!?!",
    ],
)
def test_code_maths_config_and_chat_marks_are_kept(answer):
    record = pair("Show me", answer)
    assert DropGarbled().process(record) is record


@pytest.mark.parametrize(
    "answer",
    [
        "}{][|\\/@#$%^&*()_+=~`<>}{][|\\/@#$%^&*",
        "ok #$%&*(@#$%^&*()_+!@#$%^ ok",
        "bad \x00 byte",
        "caf\ufffd au lait",
    ],
)
def test_real_garbage_is_still_dropped(answer):
    assert isinstance(DropGarbled().process(pair("Show me", answer)), Reject)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("What is the largest city in Pennsylvania?", "Philadelphia"),
        ("How do bats find insects in the dark?", "Echolocation"),
        ('I will send you the text in parts. Reply only with "acknowledged".', "Acknowledged."),
        ("How many sides does home plate in baseball have?", "5"),
        ("What country produced the most strawberries in 2016?", "China"),
        ("Apa kabar mu?", "Baik."),
        ("Hello!", "Hi!"),
        ("最大的行星是哪个？", "木星"),  # CJK counts characters: two
        ("你好", "嗨"),  # a one-character greeting answers a greeting
        ("こんにちは", "こんにちは"),
        # Persian trivia with no question mark: "in which organ of the digestive system are
        # the islets of Langerhans?" -> "pancreas"
        ("جزایر لانگرهاوس در کدام عضو دستگاه گوارشی است", "لوزالمعده"),
        ("日本の首都はどこ", "東京"),
    ],
)
def test_short_answers_that_fit_their_question_are_kept(question, answer):
    record = pair(question, answer)
    assert DropByLength().process(record) is record


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("What's your favourite number?", "6"),
        ("Coffee or tea?", "Neither."),
        ("Can you help me with my essay?", "Sure!"),
        ("What is the capital of France?", "k"),
        ("Coffee?", "6"),
        ("Tell me a story about a dragon.", "Okay"),
        ("你好", "好"),  # not a greeting back
        ("给我讲个故事", "好"),
        ("داستانی برای من بگو", "باشه"),  # "tell me a story" -> "okay"
    ],
)
def test_short_answers_that_answer_nothing_are_dropped(question, answer):
    assert isinstance(DropByLength().process(pair(question, answer)), Reject)


def test_short_answer_judging_can_be_turned_off():
    record = pair("What is the largest city in Pennsylvania?", "Philadelphia")
    assert isinstance(DropByLength(judge_with_question=False).process(record), Reject)
