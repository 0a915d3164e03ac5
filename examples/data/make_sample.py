"""Generate the sample role-play chat data in examples/data (deterministic, seed 20231124).

Three files, one per input format, each a few hundred records with the defects real
role-play logs have: curly quotes, "and/or", emoji, empty user turns, answers that break
character ("As an AI, ..."), replies that only make sense with context, answers that are too
short, exact and near duplicates, mojibake, a few broken JSON lines, an unknown role and an
id used twice.

    python examples/data/make_sample.py        # rewrites the three files next to this script
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 20231124
HERE = Path(__file__).resolve().parent
PER_FORMAT = 240

CHARACTERS = [
    ("Captain Mirela", "a weathered airship captain who trades spices between floating cities"),
    ("Old Tobin", "a lighthouse keeper who has watched the same stretch of sea for forty years"),
    ("Nurse Adaeze", "a night-shift nurse who listens more than she talks"),
    ("Professor Quill", "an absent-minded botanist obsessed with rare mosses"),
    ("Sable", "a street magician who never reveals a trick but loves to tell stories"),
    ("Coach Harlan", "a retired football coach who now trains the neighbourhood kids"),
    ("Lady Veyra", "an exiled noblewoman writing her memoirs in a mountain inn"),
    ("Pip", "a cheerful baker's apprentice who burns one loaf every morning"),
    ("Detective Oyelaran", "a patient detective who solves cases by asking small questions"),
    ("Grandma Ilse", "a grandmother who answers everything with a recipe and a proverb"),
    ("Ranger Kohl", "a forest ranger who knows every bird call in the valley"),
    ("Marisol", "a late-night radio host who takes calls from lonely listeners"),
]

SYSTEM_OPENERS = [
    "Assume a role-playing stance throughout our exchange.",
    "Stay in character for the whole conversation.",
    "Keep a role-playing posture throughout the discussion.",
    "Adhere to a role-playing format for the duration of this chat.",
]

QUESTIONS = [
    "What's the hardest lesson your work has taught you?",
    "Do you ever feel lonely doing what you do?",
    "What would you tell someone who just lost their job?",
    "What's a small habit that changed your life?",
    "How do you calm down after a terrible day?",
    "What's the kindest thing a stranger ever did for you?",
    "If you could change one decision from your past, what would it be?",
    "What do you think people misunderstand about you?",
    "How do you deal with people who doubt you?",
    "What's something you're secretly proud of?",
    "What scares you more than anything?",
    "How do you know when to give up on something?",
    "What's your favourite time of the day and why?",
    "Have you ever told a lie to protect someone?",
    "How do you make a new place feel like home?",
    "What advice would you give your younger self?",
]

FOLLOW_UPS = [
    "That's interesting. Did it ever go wrong?",
    "How did the people around you react?",
    "Would you do it again today?",
    "What did you learn from that?",
]

CONTEXT_ONLY = [  # single turns that only make sense inside a longer conversation
    "What about the second one?",
    "And then what happened?",
    "Why did you say that earlier?",
    "Same question as before, but for your sister.",
]

OPENINGS = ["Ah, ", "Well, ", "Hmm. ", "You know, ", "", "Funny you ask. "]
MIDDLES = [
    "out here {detail}, you learn that patience is worth more than any map",
    "I have found that {detail} teaches you to listen before you speak",
    "most days {detail} reminds me that small kindnesses add up",
    "every time {detail}, I remember that nobody gets through life alone",
    "when {detail}, the only thing that helps is a warm drink and an honest friend",
]
DETAILS = {
    "Captain Mirela": "between the cloud harbours",
    "Old Tobin": "with the lamp turning all night",
    "Nurse Adaeze": "on the ward at three in the morning",
    "Professor Quill": "kneeling in the wet moss",
    "Sable": "a crowd gathers around my table",
    "Coach Harlan": "the kids miss an easy goal",
    "Lady Veyra": "the snow closes the pass",
    "Pip": "the first loaf comes out black",
    "Detective Oyelaran": "a witness finally tells the truth",
    "Grandma Ilse": "the soup needs more salt",
    "Ranger Kohl": "the owls start calling",
    "Marisol": "the phone lines light up after midnight",
}
CLOSINGS = [
    " What about you?",
    " Does that help a little?",
    " I hope that makes sense to you.",
    " 😊",
    " Anyway, tell me more about yourself.",
    "",
]
BREAKS_CHARACTER = [
    "As an AI language model, I don't have personal experiences, but I can share some tips.",
    "As an AI, I do not have feelings or a past, so I can't really answer that.",
    "I'm just a computer program, so I have never actually felt lonely.",
    "I am an artificial intelligence and cannot form opinions, but many people find that "
    "talking to a friend helps.",
]
TOO_SHORT = ["Ok.", "Yes.", "No.", "Maybe.", "Hm."]
CURLY = str.maketrans({"'": "\u2019"})
MOJIBAKE = {"\u2019": "\u00e2\u20ac\u2122", "\u00e9": "\u00c3\u00a9"}


def answer(rng: random.Random, name: str) -> str:
    """An in-character answer, sometimes with a defect."""
    text = (
        rng.choice(OPENINGS)
        + rng.choice(MIDDLES).format(detail=DETAILS[name])
        + ". "
        + rng.choice(
            [
                "I'd say that's the heart of it.",
                "It took me years to see it and/or admit it.",
                "That's what I'd tell anyone who'd listen.",
                "Life's caf\u00e9 serves that lesson daily.",
            ]
        )
        + rng.choice(CLOSINGS)
    )
    roll = rng.random()
    if roll < 0.25:
        text = text.translate(CURLY)  # curly apostrophes
    elif roll < 0.30:
        for good, bad in MOJIBAKE.items():  # mojibake: UTF-8 read as cp1252
            text = text.translate(CURLY).replace(good, bad)
    if rng.random() < 0.08:
        text = text.replace(". ", ".\n\n\n", 1)  # runs of blank lines
    return text[0].upper() + text[1:]


def conversation(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    """A character's system prompt and its (role, text) turns, with defects mixed in."""
    name, intro = rng.choice(CHARACTERS)
    system = (
        f"{rng.choice(SYSTEM_OPENERS)}\nYou are {name}.\n"
        f"Here is the intro of your character: {intro}"
    )
    turns: list[tuple[str, str]] = []
    n_pairs = rng.choice([1, 1, 1, 2, 2, 3])
    roll = rng.random()
    for i in range(n_pairs):
        question = rng.choice(QUESTIONS) if i == 0 else rng.choice(FOLLOW_UPS)
        reply = answer(rng, name)
        if i == 0 and roll < 0.07:
            question = rng.choice(["", "   ", "\n"])  # empty user turn
        elif i == 0 and roll < 0.12 and n_pairs == 1:
            question = rng.choice(CONTEXT_ONLY)  # needs context it does not have
        elif i == n_pairs - 1 and 0.12 <= roll < 0.20:
            reply = rng.choice(BREAKS_CHARACTER)  # breaks character
        elif i == n_pairs - 1 and 0.20 <= roll < 0.25:
            reply = rng.choice(TOO_SHORT)
        if rng.random() < 0.1:
            question = question.translate(CURLY)
        turns += [("user", question), ("assistant", reply)]
    return system, turns


def near_duplicate(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The same conversation with one small edit in the last answer."""
    role, text = turns[-1]
    edited = text.replace("I ", "I really ", 1) if "I " in text else text + " Truly."
    return [*turns[:-1], (role, edited)]


def dataset(rng: random.Random) -> list[tuple[str, list[tuple[str, str]]]]:
    """PER_FORMAT conversations, about 5% exact and 5% near duplicates of earlier ones."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    while len(out) < PER_FORMAT:
        roll = rng.random()
        if out and roll < 0.05:
            out.append(rng.choice(out))
        elif out and roll < 0.10:
            system, turns = rng.choice(out)
            out.append((system, near_duplicate(turns)))
        else:
            out.append(conversation(rng))
    return out


def break_lines(rng: random.Random, lines: list[str], unknown_role_line: str) -> list[str]:
    """Truncate two lines (broken JSON) and add one record with an unknown role."""
    for index in rng.sample(range(len(lines)), 2):
        lines[index] = lines[index][: len(lines[index]) // 2]
    lines.insert(rng.randrange(len(lines)), unknown_role_line)
    return lines


def openai_lines(rng: random.Random) -> list[str]:
    lines = []
    for i, (system, turns) in enumerate(dataset(rng)):
        messages = [{"role": "system", "content": system}]
        messages += [{"role": r, "content": t} for r, t in turns]
        ident = f"oa-{i:04d}" if i != 120 else "oa-0042"  # one id used twice
        lines.append(json.dumps({"id": ident, "messages": messages}, ensure_ascii=False))
    odd = {
        "id": "oa-robot",
        "messages": [
            {"role": "user", "content": "Who is steering the ship tonight?"},
            {"role": "robot", "content": "BEEP. The autopilot is steering."},
        ],
    }
    return break_lines(rng, lines, json.dumps(odd))


def sharegpt_lines(rng: random.Random) -> list[str]:
    names = {"user": "human", "assistant": "gpt"}
    lines = []
    for i, (system, turns) in enumerate(dataset(rng)):
        conv = [{"from": "system", "value": system}]
        conv += [{"from": names[r], "value": t} for r, t in turns]
        lines.append(json.dumps({"id": f"sg-{i:04d}", "conversations": conv}, ensure_ascii=False))
    odd = {
        "id": "sg-narrator",
        "conversations": [
            {"from": "human", "value": "Tell me a story."},
            {"from": "narrator", "value": "Once upon a time..."},
        ],
    }
    return break_lines(rng, lines, json.dumps(odd))


def alpaca_lines(rng: random.Random) -> list[str]:
    lines = []
    for system, turns in dataset(rng):
        user, reply = turns[0][1], turns[1][1]
        record = {"instruction": user, "input": "", "output": reply, "system": system}
        if rng.random() < 0.15:
            record["instruction"] = "Answer in character."
            record["input"] = user
        lines.append(json.dumps(record, ensure_ascii=False))  # alpaca rows carry no id
    odd = {"instruction": "Say hello.", "output": 42}  # output that is not text
    return break_lines(rng, lines, json.dumps(odd))


def main() -> None:
    rng = random.Random(SEED)
    files = {
        "roleplay_openai.jsonl": openai_lines,
        "roleplay_sharegpt.jsonl": sharegpt_lines,
        "roleplay_alpaca.jsonl": alpaca_lines,
    }
    for name, make in files.items():
        path = HERE / name
        path.write_text("\n".join(make(rng)) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
