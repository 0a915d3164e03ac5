import pickle

import pytest

from selfreflect import Conversation, Message, Reject
from selfreflect.filters import DropGarbled, FixMojibake

CLEAN = {
    "chinese": "你好，世界！这是一个测试。我们明天见吧？",
    "hindi": "नमस्ते दुनिया, आप कैसे हैं? मैं ठीक हूँ।",
    "thai": "สวัสดีชาวโลก คุณสบายดีไหม ฉันสบายดี",
    "russian": "Привет, мир! Как дела? У меня всё хорошо.",
    "arabic": "مرحبا بالعالم، كيف حالك؟ أنا بخير، شكرا.",
    "japanese": "こんにちは世界。元気ですか？「はい」と答えた。",
    "korean": "안녕하세요 세계! 잘 지내요? 네, 잘 지내요.",
    "hebrew": "שלום עולם, מה שלומך?",
    "greek": "Γειά σου κόσμε! Τι κάνεις;",
    "persian": "سلام دنیا، می\u200cخواهم بروم.",
    "german": "Grüße aus Köln – schöne Straße, oder?",
    "portuguese_caps": "SÃO PAULO É UMA CIDADE ENORME, NÃO É?",
    "vietnamese": "Tiếng Việt rất hay, bạn có nghĩ vậy không?",
    "turkish": "Türkçe öğrenmek çok güzel.",
    "polish": "Zażółć gęślą jaźń, proszę pana.",
    "czech": "Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "spanish": "¿Qué tal? ¡Muy bien! Ñandú, año.",
    "symbols": "naïve café résumé: £5 or €7 ± 2 × 3 ÷ 4",
    "code": 'Try:\n\n    def f(x):\n        return {"a": [x, 2]}  # ok',
    "kaomoji": "¯\\_(ツ)_/¯ whatever works for you",
    "markdown": "Title\n-----------------\n**bold** and *it*",
}


def conv(text: str) -> Conversation:
    return Conversation(
        id="x",
        messages=[Message(role="user", content="Hi"), Message(role="assistant", content=text)],
    )


@pytest.mark.parametrize("script", sorted(CLEAN))
def test_correct_text_in_every_script_is_kept_and_unchanged(script):
    record = conv(CLEAN[script])
    assert FixMojibake().rewrite(record) is record
    assert DropGarbled().process(record) is record


def test_mojibake_is_repaired():
    fixed = FixMojibake().rewrite_text("The Mona Lisa doesnâ€™t have eyebrows. Ã‰tÃ© Ã  Paris")
    assert fixed == "The Mona Lisa doesn\u2019t have eyebrows. \u00c9t\u00e9 \u00e0 Paris"


def test_fix_keeps_fullwidth_chinese_punctuation_and_curly_quotes():
    text = "你好，世界！\u201cquote\u201d"
    assert FixMojibake().rewrite_text(text) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bad \ufffd\ufffd bytes", "replacement_char"),
        ("Hello\x00world", "control_chars"),
        ("#$%^&*@!~<>?/|\\{}[] crawled", "symbol_garbage"),
        ("}{][|\\/@#$%^&*()_+=~`<>}{][|\\/@#$%^&*", "symbol_garbage"),
        ("ÃƒÂ©tÃƒÂ© Ãƒ Paris", None),  # repaired first by fix_mojibake in the default recipe
    ],
)
def test_unrepairable_text_is_dropped(text, reason):
    record = conv(FixMojibake().rewrite_text(text))
    out = DropGarbled().process(record)
    if reason is None:
        assert out is record
    else:
        assert isinstance(out, Reject) and out.reason == reason


def test_c1_controls_are_read_as_windows_1252_by_the_fixer_or_dropped():
    assert FixMojibake().rewrite_text("wait\x85 what") == "wait\u2026 what"
    assert DropGarbled().process(conv("wait\x85 what")).reason == "control_chars"


def test_mojibake_that_survives_repair_is_dropped():
    out = DropGarbled().process(conv("Ã©tÃ© Ã  Paris"))  # not run through fix_mojibake
    assert isinstance(out, Reject) and out.reason == "mojibake"


def test_long_runs_of_one_symbol_and_emoji_are_not_garbage():
    for text in ["!!!!!!!!!!!!!!!!", "==================", "\U0001f600" * 20, "Wait......!!!!????"]:
        record = conv(text)
        assert DropGarbled().process(record) is record


def test_fixer_is_picklable_after_use():
    step = FixMojibake()
    step.rewrite_text("doesnâ€™t")
    assert pickle.loads(pickle.dumps(step)) == step


def test_an_unknown_normalization_fails_in_the_recipe_not_mid_data():
    # used to pass the recipe and raise ValueError from unicodedata on the first mojibake
    from selfreflect.recipe import RecipeError, loads

    with pytest.raises(RecipeError, match="parameter 'normalization': Input should be 'NFC'"):
        loads("steps:\n  - step: fix_mojibake\n    normalization: XYZ\n")
    assert loads("steps:\n  - step: fix_mojibake\n    normalization: null\n")
