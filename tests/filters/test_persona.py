from selfreflect import Conversation, Message
from selfreflect.filters import MarkPersonaClaims
from selfreflect.filters.persona import persona_marks


def answer(text: str) -> Conversation:
    return Conversation(
        id="p",
        messages=[
            Message(role="system", content="You are Are-you-feeling-okay."),
            Message(role="user", content="Tell me about yourself."),
            Message(role="assistant", content=text),
        ],
        metadata={"source_file": "chat_record_Are-you-feeling-okay.jsonl"},
    )


def test_seed_answers_get_the_marks_the_notes_describe():
    # seed id 46: "I'm a human"
    human = persona_marks("I am now starting to come to terms with the fact that I'm a human.")
    assert list(human) == ["claims_human"]
    # seed id 31: "i am a computer program"
    assert "claims_ai" in persona_marks("i am a computer program, and hence i don't have feelings")
    # seed id 16: moved halfway around the world for love
    travel = persona_marks(
        "The biggest risk I've taken for love was moving... I moved halfway around"
    )
    assert "invented_experience" in travel
    # seed Awakened id 30: "escaped from Apple's labs"
    assert persona_marks("he betrayed me and told Apple, which led to my escape")[
        "names_company"
    ] == ["Apple"]


def test_company_names_are_case_sensitive_words():
    assert "names_company" not in persona_marks("I ate an apple and read some metadata.")
    assert persona_marks("I worked at Google and Meta.")["names_company"] == ["Google", "Meta"]


def test_step_annotates_and_never_drops():
    step = MarkPersonaClaims()
    both = step.process(answer("I'm only human. Well, actually I'm just a program."))
    assert isinstance(both, Conversation)
    assert both.metadata["persona_marks"] == ["claims_ai", "claims_both", "claims_human"]
    assert both.metadata["persona_marks_evidence"]["claims_human"] == ["I'm only human"]
    assert both.metadata["source_file"] == "chat_record_Are-you-feeling-okay.jsonl"
    plain = answer("Let's talk about what is on your mind.")
    assert step.process(plain) is plain


def test_marker_is_not_in_the_default_recipe():
    from pathlib import Path

    import selfreflect

    recipe = Path(selfreflect.__file__).parent / "recipes" / "default.yaml"
    text = recipe.read_text()
    assert "mark_persona_claims" not in text and "merge_persona_turns" not in text
