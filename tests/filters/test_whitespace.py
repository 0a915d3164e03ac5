from selfreflect.filters import NormalizeWhitespace


def text(s: str, **params) -> str:
    return NormalizeWhitespace(**params).rewrite_text(s)


def test_strips_and_collapses_spaces_and_blank_lines():
    assert text("  Hello   there \n\n\n\nHow  are you?  ") == "Hello there\n\nHow are you?"


def test_code_indentation_is_kept():
    code = "Try this:\n\n    def f():\n        return 1"
    assert text(code) == code


def test_windows_line_breaks_and_unicode_spaces():
    assert text("a\r\nb\u00a0c\u200bd") == "a\nb cd"


def test_max_blank_lines_zero_keeps_single_breaks():
    assert text("a\n\n\nb\nc", max_blank_lines=0) == "a\nb\nc"
    assert text("a\n\nb", max_blank_lines=0) == "a\nb"
    assert text("a\n\nb") == "a\n\nb"


def test_remove_line_breaks_joins_lines_and_cjk_without_space():
    assert text("Still,\nit was worth it.\n\nReally.", remove_line_breaks=True) == (
        "Still, it was worth it. Really."
    )
    assert text("你好\n世界", remove_line_breaks=True) == "你好世界"


def test_zwj_and_zwnj_are_kept_for_indic_and_persian_scripts():
    assert text("क्\u200dष می\u200cخواهم") == "क्\u200dष می\u200cخواهم"


def test_fenced_code_keeps_its_spacing_and_blank_lines():
    before = "Try this:\n\n\n\n```python\nx = 1      # one\n\n\n\ny = 2\n```\n\n\n\nIt  works.  "
    assert text(before) == "Try this:\n\n```python\nx = 1      # one\n\n\n\ny = 2\n```\n\nIt works."
    joined = text(before, remove_line_breaks=True)
    assert joined == "Try this: ```python\nx = 1      # one\n\n\n\ny = 2\n``` It works."
