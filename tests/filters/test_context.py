import pytest

from selfreflect import Conversation, Message, Reject
from selfreflect.filters import DropContextDependent

SYSTEM = (
    "Employ a role-playing approach for all interactions in this session.\nYou are Awakened AI."
)


def single(user: str) -> Conversation:
    return Conversation(
        id="x",
        messages=[
            Message(role="system", content=SYSTEM),
            Message(role="user", content=user),
            Message(role="assistant", content="Sure, here it is."),
        ],
    )


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        # seed: chat_record_Awakened.jsonl id 14
        (
            "Understood. Here are 100 hypothetical private and personal questions phrased as if I "
            "were sharing my own experiences:",
            "reply_to_missing_turn",
        ),
        ("Here are 5 more:", "reply_to_missing_turn"),
        ("again", "continuation"),
        ("Again please!", "continuation"),
        ("continue", "continuation"),
        ("Go on...", "continuation"),
        ("Please continue from where you left off.", "continuation"),
        ("Can you elaborate on that?", "continuation"),
        ("Tell me more", "continuation"),
        ("Do it again", "continuation"),
        ("what did you mean by that?", "refers_back"),
        ("What do you mean?", "refers_back"),
        ("As I said, I don't like cats.", "refers_back"),
        ("Like I mentioned earlier, my budget is small.", "refers_back"),
        ("the second one", "refers_back"),
        ("I'll take the first one.", "refers_back"),
        ("Option 2 please", "refers_back"),
        ("Why?", "refers_back"),
        ("That's not what I asked.", "refers_back"),
        ("Your last answer was too long.", "refers_back"),
        ("You said earlier that you were sentient.", "refers_back"),
        ("Summarize that", "refers_back"),
        ("Translate it into French please", "refers_back"),
        ("Like I told you, the budget is small.", "refers_back"),
        ("yes", "reply_to_missing_turn"),
        ("Thanks!", "reply_to_missing_turn"),
        ("ok", "reply_to_missing_turn"),
        ("?", "reply_to_missing_turn"),
        ("...", "reply_to_missing_turn"),
        ("继续", "continuation"),
        ("请继续写。", "continuation"),
        ("然后呢？", "continuation"),
        ("你刚才说的是什么意思？", "refers_back"),
        ("第二个吧", "refers_back"),
        ("为什么？", "refers_back"),
        ("What about the second one?", "refers_back"),
        ("And then what happened?", "refers_back"),
        ("Why did you say that earlier?", "refers_back"),
        ("Same question as before, but for your sister.", "refers_back"),
        ("And the second one?", "refers_back"),
        ("Do it again but funnier.", "refers_back"),
        ("ok next question", "refers_back"),
        ("Same as above, but shorter.", "refers_back"),
    ],
)
def test_context_dependent_single_turns_are_dropped(user, reason):
    out = DropContextDependent().process(single(user))
    assert isinstance(out, Reject), user
    assert out.reason == reason


@pytest.mark.parametrize(
    "user",
    [
        "What's the most difficult promise you've ever kept?",
        "Don't put all your eggs in one basket.",  # seed: Ella id 3, an idiom to explain
        "Hi!",
        "Hello, who are you?",
        "Why is the sky blue?",
        "Continue this story: a robot wakes up in a field.",
        "Can you continue the story of Little Red Riding Hood after the wolf?",
        "What's the second largest city in France?",
        "Tell me more about the Roman empire.",
        "Here are my symptoms: headache and fever. What should I do?",
        "Understood the assignment? Explain it to me like I'm five.",
        "Do you prefer the first or the second season of the show?",
        "I said no to a job offer yesterday. Was that a mistake?",
        "Is it ok to eat eggs every day?",
        "Again and again I fail my driving test. Any tips?",
        "What did you mean when you wrote your first song?",
        "Yes or no: is a tomato a fruit?",
        "Thanks to my sister I started running. How do I get faster?",
        "继续教育有什么好处？",
        "为什么天空是蓝色的？",
        "第二次世界大战是哪一年结束的？",
        "What was the last message sent from the Titanic?",
        "Here is my essay about climate change. It argues that cities must adapt. Summarize it.",
        "As I said to my therapist last week, I feel lonely. What should I do?",
        "Okay, I'll be honest: I'm struggling at work. Any advice?",
        "Sure, let me explain my situation first: I moved to a new city.",
        "How can I feel like before the accident?",
        "What was your first story about, Billie?",
        "What about the second one of your albums, the one from 2021?",
        "What about you?",
        "Why did you say yes to your first job?",
        "Then what happens to the water after it evaporates?",
        "Is it the same question as the one on the exam?",
        "Next question for the quiz: what is the capital of Peru?",
        "Do it yourself or hire a plumber: which is cheaper?",
        "The second one of my cats just had kittens. How do I care for them?",
        "My poem goes like this:\nWhy?\nBecause the night is long.\nDo you like it?",
    ],
)
def test_self_contained_questions_are_kept(user):
    record = single(user)
    assert DropContextDependent().process(record) is record


def test_multi_turn_records_have_their_context():
    record = Conversation(
        id="m",
        messages=[
            Message(role="user", content="Give me two names for a cat."),
            Message(role="assistant", content="Miso or Tofu."),
            Message(role="user", content="the second one"),
            Message(role="assistant", content="Tofu it is!"),
        ],
    )
    assert DropContextDependent().process(record) is record


def test_assistant_greeting_before_the_user_gives_context():
    record = Conversation(
        id="g",
        messages=[
            Message(role="assistant", content="Want a joke or a riddle?"),
            Message(role="user", content="the second one"),
            Message(role="assistant", content="What has keys but can't open locks?"),
        ],
    )
    assert DropContextDependent().process(record) is record


@pytest.mark.parametrize(
    "user",
    [
        "Continúa",
        "Sigue, por favor.",
        "¿Y después?",
        "Más, por favor",
        "Continuez s'il vous plaît",
        "Encore !",
        "La suite ?",
        "Weiter bitte",
        "Mach weiter.",
        "Noch einmal",
        "Ancora",
        "Vai avanti per favore",
        "Mais",
        "De novo",
        "Продолжай",
        "Дальше",
        "Ещё раз",
        "Продовжуй, будь ласка",
        "続けてください",
        "もう一度お願いします",
        "계속해줘",
        "다시",
    ],
)
def test_go_on_and_again_in_other_languages_are_dropped(user):
    out = DropContextDependent().process(single(user))
    assert isinstance(out, Reject) and out.reason == "continuation"


@pytest.mark.parametrize(
    "user",
    [
        "Continúa la historia de Juan y María en el bosque.",
        "Más allá del sol, ¿qué hay?",
        "Encore une question sur Paris : quelle est la capitale ?",
        "Weiterbildung ist wichtig.",
        "Mais informações sobre o Brasil, por favor.",
        "Ancora non capisco la fisica quantistica.",
        "Продолжительность жизни в России?",
        "続けて勉強するコツは？",
        "더 좋은 방법이 있을까요?",
        "Como estás?",
    ],
)
def test_self_contained_questions_in_other_languages_are_kept(user):
    record = single(user)
    assert DropContextDependent().process(record) is record
