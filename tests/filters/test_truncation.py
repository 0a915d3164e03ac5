"""Truncated answers are cut away; "continue" chains are joined when the pieces fit."""

import pytest

from selfreflect import Conversation, Message, Reject
from selfreflect.filters import CutTruncatedAnswers, JoinContinuations
from selfreflect.filters.truncation import truncation


def conv(*turns):
    return Conversation(id="x", messages=[Message(role=r, content=c) for r, c in turns])


PARA = (
    "Wireless microphones used by singers are not typically Bluetooth-enabled. Instead, they "
    "use radio frequencies to send the audio signal to a receiver, which is connected to the "
    "sound system. Bluetooth adds latency and has a short range, so it is not suitable for "
    "live performances.\n\n"
)
CUT_PROSE = PARA + (
    "There are several reasons why some voices are picked up more easily by a "
    "microphone than others, and the first is the way the microphone is placed "
    "relative to the mouth, because if the microphone is not well"
)
OPEN_CODE = "Here's the updated class:\n```python\nclass Summarizer:\n    def __init__(self):\n"
CUT_CODE = "Here you go:\n```python\ndef set_inference_params(self, **kwargs\n```"


@pytest.mark.parametrize(
    "text",
    [
        CUT_PROSE,
        OPEN_CODE,
        CUT_CODE,
        PARA + "It is best to keep the microphone close to the mouth, and to speak into the",
    ],
)
def test_truncated_answers_are_recognised(text):
    assert truncation(text)


@pytest.mark.parametrize(
    "text",
    [
        PARA.strip(),
        "Doody, oh doody\nA product of our foody\nSo let's just accept the doody pile",  # a poem
        "1. Pre-launch\n2. Launch\n3. Follow-up",
        "Best regards,\nJohn Smith",
        "haha yeah no XD I would invest the rest",  # chat replies need no full stop
        "I would probably just save it in case something happened and I needed money. Like my car "
        "breaking down or soemthing",
        "```python\nprint('hi')\n```",
        "Act 1, Scene 1\n\n(The curtain falls)\n\nEnd",
        "这个问题很好。我们先看第一部分。然后再看第二部分。",
    ],
)
def test_complete_answers_are_not_truncated(text):
    assert truncation(text) is None


def test_a_truncated_last_answer_is_cut_with_its_exchange():
    record = conv(
        ("user", "Do singers use Bluetooth mics?"),
        ("assistant", PARA.strip()),
        ("user", "Why are some voices picked up better?"),
        ("assistant", CUT_PROSE),
    )
    out = CutTruncatedAnswers().process(record)
    assert isinstance(out, Conversation) and len(out.messages) == 2
    assert out.cuts[0]["reason"] == "truncated_answer" and out.cuts[0]["indices"] == [2, 3]


def test_a_single_truncated_exchange_is_dropped():
    out = CutTruncatedAnswers().process(
        conv(("user", "Tutorial on JSON in shell?"), ("assistant", CUT_PROSE))
    )
    assert isinstance(out, Reject) and out.reason == "truncated_answer"


def test_an_answer_followed_by_continue_is_not_cut():
    record = conv(
        ("user", "Write the class"),
        ("assistant", OPEN_CODE),
        ("user", "continue"),
        ("assistant", "Sure, here is the complete class again:\n```python\n...\n```"),
    )
    assert CutTruncatedAnswers().process(record) is record


def test_continue_chain_with_code_is_joined_into_one_answer():
    record = conv(
        ("user", "Write the class"),
        ("assistant", OPEN_CODE),
        ("user", "continue"),
        ("assistant", "```python\n        self.model = None\n```\nDone."),
    )
    out = JoinContinuations().rewrite(record)
    assert [m.role for m in out.messages] == ["user", "assistant"]
    assert out.messages[1].content == OPEN_CODE + "        self.model = None\n```\nDone."
    assert out.cuts[0]["reason"] == "continue_request" and out.cuts[0]["indices"] == [2, 3]


def test_continue_chain_in_prose_joins_mid_word():
    # sg-JRQtEcd_35: "...Chorus:\nWe" + "Continue" + "'re unstoppable, ..."
    first = PARA + "Verse 1:\nWe'll rise up and we'll make our mark, we're the ones who"
    record = conv(
        ("user", "Write the song"),
        ("assistant", first),
        ("user", "Continue"),
        ("assistant", "'re unstoppable, we're unbreakable."),
    )
    out = JoinContinuations().rewrite(record)
    assert out.messages[1].content.endswith("the ones who're unstoppable, we're unbreakable.")


def test_a_restart_after_continue_does_not_fit_and_is_left_alone():
    record = conv(
        ("user", "Write the class"),
        ("assistant", OPEN_CODE),
        ("user", "continue"),
        ("assistant", "Sure! Here is the whole class again.\n\nclass Summarizer: ..."),
    )
    assert JoinContinuations().rewrite(record) is record


def test_a_complete_answer_then_continue_is_not_joined():
    record = conv(
        ("user", "Tell me a story"),
        ("assistant", PARA.strip()),
        ("user", "continue"),
        ("assistant", "and then the dragon slept."),
    )
    assert JoinContinuations().rewrite(record) is record


@pytest.mark.parametrize(
    "text",
    [
        # sg-VXmLZLH_0: the answer announces the steps and stops
        "Migrating from database sessions to JWT-based authentication in a Next.js application "
        "using NextAuth.js involves a few steps. Here's",
        "You can do it in three steps. Here are the steps to follow:",
        # sg-sbAGz8h_8, sg-XOnovgH_0: a code line left open, an unclosed string
        "Here is the class:\n```python\ndef summarize(self, text):\n    input_ids =\n```",
        'The form:\n```html\n<input type="hidden" wire:model="model3.model1_id\n```',
        # a prose line after the code that stops
        "Here is the form:\n```html\n<form></form>\n```\nNote: In the forms for Model2 and Model3",
    ],
)
def test_more_cut_off_endings_are_recognised(text):
    assert truncation(text)


@pytest.mark.parametrize(
    "text",
    [
        "Here's",
        "Sure. Here's the plan: we meet at 9 and walk to the lake.",
        "Run this:\n```bash\nls -la\n```\nLet me know if it works for you!",
        "Here is the config:\n```yaml\nname: app\nversion: 2\n```",
        "The table:\n```\nx = 1\ny = 2\n```\n| a | b |",
        "Use:\n```python\nprint('a, b')\n```\nThat prints the two letters.",
    ],
)
def test_finished_endings_are_not_truncated(text):
    assert truncation(text) is None


def test_a_truncated_first_exchange_is_cut_from_the_head_when_the_rest_stands():
    # sg-8mU2ytj_0: the first answer's code is cut off, two good exchanges follow
    record = conv(
        ("user", "Write me a code for DHT22 sensor calibration"),
        ("assistant", CUT_CODE),
        ("user", "How do you use the SGP30 sensor?"),
        ("assistant", "Connect it over I2C and read the values every second."),
    )
    out = CutTruncatedAnswers().process(record)
    assert isinstance(out, Conversation)
    assert out.messages[0].content == "How do you use the SGP30 sensor?"
    assert out.cuts[0]["indices"] == [0, 1] and out.cuts[0]["reason"] == "truncated_answer"


PLUGIN = "\n\nPlease write in English language."


def test_continue_with_a_plugin_suffix_joins_a_list_and_a_repeated_cut_line():
    # sg-tm2gMBc_0: "Continue / Please write in English language.", the list goes on, then the
    # next piece repeats the unfinished last line and goes on from it
    first = (
        PARA
        + "1. Enterprise organisations\nSuggested DAM: Bynder\nReasons: it integrates well with the"
    )
    second = "2. Startups\nSuggested DAM: Airtable\nReasons: Highly"
    third = "Reasons: Highly affordable and simple to set up."
    record = conv(
        ("user", "Suggest a DAM for each user profile." + PLUGIN),
        ("assistant", first),
        ("user", "Continue" + PLUGIN),
        ("assistant", second),
        ("user", "Continue" + PLUGIN),
        ("assistant", third),
    )
    out = JoinContinuations().rewrite(record)
    assert [m.role for m in out.messages] == ["user", "assistant"]
    answer = out.messages[1].content
    assert answer.startswith(first + "\n2. Startups")
    assert answer.endswith("Reasons: Highly affordable and simple to set up.")
    assert "Reasons: Highly\n" not in answer and answer.count("Reasons: Highly") == 1
    assert [c["reason"] for c in out.cuts] == ["continue_request", "continue_request"]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("玩笑", "你当你穿越一只猫和一只紫色的人,你会得到什么？"),  # cb-chinese/humor#42
        ("Raccontami una barzelletta", "cosa ottieni quando incroci un ding e il latte?"),
        ("Tell me a joke", "What do you get when you cross a cow and a lemon?"),
    ],
)
def test_a_joke_that_stops_at_its_set_up_is_truncated(question, answer):
    out = CutTruncatedAnswers().process(conv(("user", question), ("assistant", answer)))
    assert isinstance(out, Reject) and "punchline" in out.detail


@pytest.mark.parametrize(
    "turns",
    [
        (
            ("user", "Tell me a joke"),
            ("assistant", "Why did the chicken cross the road? To get to the other side."),
        ),
        (
            ("user", "Tell me a joke"),
            ("assistant", "Why did the chicken cross the road?"),
            ("user", "I don't know, why?"),
            ("assistant", "To get to the other side!"),
        ),
        (
            ("user", "Can you help me with my homework?"),
            ("assistant", "Sure, which subject is it?"),
        ),
    ],
)
def test_jokes_with_their_punchline_and_answers_that_ask_back_are_kept(turns):
    record = conv(*turns)
    assert CutTruncatedAnswers().process(record) is record


def test_a_piece_that_goes_on_with_the_last_word_is_joined_even_when_the_cut_looks_clean():
    # sg-DGiqvVv_169: a meal plan stops at "Dinner: Yoshoku", the rest starts "-style omurice"
    first = "Week 1:\n\nDay 1:\nBreakfast: berry porridge\nDinner: Yoshoku"
    rest = "-style omurice (omelette with fried rice), mixed greens\nDay 2: ..."
    record = conv(
        ("user", "Plan two weeks of meals."),
        ("assistant", first),
        ("user", "continue"),
        ("assistant", rest),
    )
    out = JoinContinuations().rewrite(record)
    assert [m.content for m in out.messages] == [
        "Plan two weeks of meals.",
        "Week 1:\n\nDay 1:\nBreakfast: berry porridge\nDinner: Yoshoku-style omurice "
        "(omelette with fried rice), mixed greens\nDay 2: ...",
    ]


@pytest.mark.parametrize(
    ("first", "rest"),
    [
        ("Here is the first chapter. The end.", "and then the dragon came back."),  # complete
        ("The plan so far covers Monday", "Sure, here is the rest of the week."),  # restarts
        ("The plan so far covers Monday", "Tuesday: rest day."),  # a new line, upper case
    ],
)
def test_pieces_that_do_not_go_on_with_the_last_word_are_left_alone(first, rest):
    record = conv(
        ("user", "Plan a week."), ("assistant", first), ("user", "continue"), ("assistant", rest)
    )
    assert JoinContinuations().rewrite(record) is record


def test_code_cut_off_before_a_closing_fence_goes_on_inside_the_block():
    # sg-R5zEfbI_26: "var\n```" + "finish with var" + "score = {...}\n```"
    first = "Here is the game:\n```js\nfunction play() {\n  var\n```"
    rest = "score = 0;\n}\n```"
    record = conv(
        ("user", "Write the game."), ("assistant", first), ("user", "continue"), ("assistant", rest)
    )
    out = JoinContinuations().rewrite(record)
    assert (
        out.messages[1].content
        == "Here is the game:\n```js\nfunction play() {\n  var score = 0;\n}\n```"
    )
