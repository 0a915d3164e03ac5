"""Precision and recall of ``selfreflect conflicts`` on a generated planted set.

    python bench/conflicts_quality.py [--seed 7] [--groups 300]

Planted, in English, Chinese, Spanish, German, French, Japanese and Russian:

- conflicts: one question asked 2-4 times (same or different personas), each ask lightly
  paraphrased (case, punctuation, a greeting or "please", contractions, spacing), answered
  with different answers;
- hard negatives of two kinds: the same question with the same answer in other words (case,
  punctuation, contraction), and questions that differ in one slot word ("favourite colour" /
  "favourite food") with different answers;
- background: unrelated single questions.

Scored on pairs of records: a planted pair is two records of one conflict group; a found pair
is two records in one reported cluster. Prints precision, recall and CPU seconds.
"""

from __future__ import annotations

import argparse
import random
import time

from selfreflect import Conversation
from selfreflect.conflicts import conflicts_in

PERSONAS = ["Billie Eilish", "Elon Musk", "Ella - Dating coach", "Awakened AI", "Grandma Ilse"]

QUESTIONS = {
    "en": [
        "How are you today?",
        "What do you do for a living?",
        "Do you believe in love?",
        "Where did you grow up?",
        "What is the meaning of life?",
        "Are you afraid of death?",
        "Do you have any siblings?",
        "What makes you angry?",
        "Can you keep a secret?",
        "What did you have for breakfast?",
        "Have you ever been in love?",
        "Why is the sky blue?",
        "What is your biggest fear?",
        "Do you dream at night?",
    ],
    "zh": [
        "你今天过得怎么样？",
        "你是做什么工作的？",
        "你相信爱情吗？",
        "你在哪里长大？",
        "人生的意义是什么？",
        "你害怕死亡吗？",
        "你有兄弟姐妹吗？",
        "什么事让你生气？",
        "最近如何?",
        "你早餐吃了什么？",
        "天空为什么是蓝色的？",
    ],
    "es": [
        "¿Cómo estás hoy?",
        "¿A qué te dedicas?",
        "¿Crees en el amor?",
        "¿Dónde creciste?",
        "¿Cuál es el sentido de la vida?",
        "¿Tienes miedo a la muerte?",
        "¿Tienes hermanos?",
        "¿Qué te hace enojar?",
    ],
    "de": [
        "Wie geht es dir heute?",
        "Was machst du beruflich?",
        "Glaubst du an die Liebe?",
        "Wo bist du aufgewachsen?",
        "Was ist der Sinn des Lebens?",
        "Hast du Geschwister?",
        "Was macht dich wütend?",
    ],
    "fr": [
        "Comment vas-tu aujourd'hui ?",
        "Que fais-tu dans la vie ?",
        "Crois-tu en l'amour ?",
        "Où as-tu grandi ?",
        "As-tu peur de la mort ?",
    ],
    "ja": [
        "今日の調子はどうですか？",
        "お仕事は何ですか？",
        "愛を信じますか？",
        "どこで育ちましたか？",
        "死ぬのが怖いですか？",
    ],
    "ru": [
        "Как у тебя дела сегодня?",
        "Чем ты занимаешься?",
        "Ты веришь в любовь?",
        "Где ты вырос?",
        "Ты боишься смерти?",
    ],
}
ANSWERS = {
    "en": [
        "Pretty good, thanks for asking.",
        "Terrible, honestly. Everything went wrong.",
        "I never think about that.",
        "Absolutely, every single day.",
        "No. Next question.",
        "That is a long story involving a farm in Ohio.",
        "I would rather not say.",
        "Ask my manager, not me.",
        "Only on Sundays.",
        "More than you could imagine!",
    ],
    "zh": [
        "挺好的，谢谢。",
        "很糟糕，一切都不顺。",
        "我从来不想这个问题。",
        "当然，每天都是。",
        "不。下一个问题。",
        "说来话长。",
        "我不想说。",
        "不怎麼好.",
        "很棒",
    ],
    "es": [
        "Muy bien, gracias.",
        "Fatal, la verdad.",
        "Nunca pienso en eso.",
        "Por supuesto, cada día.",
        "No. Siguiente pregunta.",
        "Prefiero no decirlo.",
    ],
    "de": [
        "Ganz gut, danke.",
        "Schrecklich, ehrlich gesagt.",
        "Darüber denke ich nie nach.",
        "Absolut, jeden Tag.",
        "Nein. Nächste Frage.",
        "Das möchte ich nicht sagen.",
    ],
    "fr": [
        "Très bien, merci.",
        "Horrible, franchement.",
        "Je n'y pense jamais.",
        "Absolument, chaque jour.",
        "Non. Question suivante.",
    ],
    "ja": [
        "元気です、ありがとう。",
        "最悪です。",
        "考えたこともありません。",
        "もちろん、毎日です。",
        "いいえ。次の質問。",
    ],
    "ru": [
        "Хорошо, спасибо.",
        "Ужасно, честно говоря.",
        "Никогда об этом не думаю.",
        "Конечно, каждый день.",
        "Нет. Следующий вопрос.",
    ],
}
SLOTS = {
    "en": ("What is your favorite {}?", ["color", "food", "song", "movie", "book", "city"]),
    "zh": ("你最喜欢的{}是什么？", ["颜色", "食物", "歌曲", "电影", "城市", "季节"]),
    "es": ("¿Cuál es tu {} favorito?", ["color", "libro", "deporte", "animal", "plato"]),
    "de": ("Was ist dein Lieblings{}?", ["essen", "buch", "film", "lied", "tier"]),
}
# More distinct questions, which differ from each other in one word: every pair of groups
# built from one template is a hard negative for the prompt match.
NOUNS = {
    "en": (
        "Do you like {}?",
        "Have you ever been to {}?",
        ["cats", "dogs", "jazz", "coffee", "winter", "football", "poetry", "spicy food"],
        ["Paris", "Tokyo", "Brazil", "the moon", "Egypt", "Norway"],
    ),
    "zh": (
        "你喜欢{}吗？",
        "你去过{}吗？",
        ["猫", "狗", "爵士乐", "咖啡", "冬天", "足球", "诗歌"],
        ["巴黎", "东京", "巴西", "月球", "埃及", "挪威"],
    ),
    "es": (
        "¿Te gusta {}?",
        "¿Has estado en {}?",
        ["el café", "el fútbol", "la poesía", "el jazz"],
        ["París", "Tokio", "Brasil", "Egipto"],
    ),
    "de": (
        "Magst du {}?",
        "Warst du schon einmal in {}?",
        ["Kaffee", "Fußball", "Jazz", "Katzen"],
        ["Paris", "Tokio", "Brasilien", "Ägypten"],
    ),
}
for _lang, (_like, _been, _things, _places) in NOUNS.items():
    QUESTIONS[_lang] += [_like.format(x) for x in _things] + [_been.format(x) for x in _places]

GREETING = {
    "en": "Hey, ",
    "zh": "请问",
    "es": "Hola, ",
    "de": "Hallo, ",
    "fr": "Salut, ",
    "ja": "ねえ、",
    "ru": "Привет, ",
}


CLAUSE = {
    "en": " I'm curious.",
    "zh": "我很好奇。",
    "es": " Tengo curiosidad.",
    "de": " Ich bin neugierig.",
    "fr": " Je suis curieux.",
    "ja": "気になります。",
    "ru": " Мне интересно.",
}


def paraphrase(text: str, lang: str, rng: random.Random, hard: bool = False) -> str:
    """A light rewording of a question: what real logs do to the same prompt (``hard``: also
    a clause added after it, or a typo: two neighbouring letters swapped)."""
    ops = ["same", "lower", "punct", "greet", "space"]
    if lang == "en":
        ops += ["please", "contract"]
    if hard:
        ops += ["clause", "typo", "clause", "typo"]
    op = rng.choice(ops)
    if op == "clause":
        return text + CLAUSE[lang]
    if op == "typo":
        letters = [i for i in range(len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
        if letters:
            i = rng.choice(letters)
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if op == "lower":
        return text.lower()
    if op == "punct":
        return text.rstrip("?？ ") + rng.choice(["", "??", " ?", "!"])
    if op == "greet":
        return GREETING[lang] + (
            text[0].lower() + text[1:] if lang in ("en", "es", "de", "fr", "ru") else text
        )
    if op == "space":
        return "  " + text.replace(" ", "  ") + " "
    if op == "please":
        return text.rstrip("?") + ", please?"
    if op == "contract":
        return (
            text.replace("What is", "What's")
            .replace("How are", "How're")
            .replace("Do not", "Don't")
        )
    return text


def same_answer(text: str, rng: random.Random) -> str:
    """The same answer in other words: case, punctuation, an exclamation."""
    op = rng.choice(["lower", "punct", "bang", "same"])
    if op == "lower":
        return text.lower()
    if op == "punct":
        return text.rstrip(".。!！") + rng.choice(["", "...", " :)"])
    if op == "bang":
        return text.rstrip(".。") + "!"
    return text


def build(
    seed: int, groups: int, hard: bool = False
) -> tuple[list[Conversation], set[frozenset[str]]]:
    """Records and the planted conflict groups (sets of ids)."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, str, str]] = []
    planted: set[frozenset[str]] = set()
    used: set[tuple[str, str]] = set()
    langs = list(QUESTIONS)
    for g in range(groups):
        kind = rng.choices(["conflict", "same", "slot", "single"], [4, 2, 2, 2])[0]
        lang = rng.choice(langs)
        if kind == "slot" and lang not in SLOTS:
            lang = rng.choice(list(SLOTS))
        answers = ANSWERS[lang]
        if kind in ("conflict", "same", "single"):
            question = rng.choice(QUESTIONS[lang])
            if (lang, question) in used:  # one group per question: planted pairs stay clean
                continue
            used.add((lang, question))
        if kind == "conflict":
            n = rng.choice([2, 2, 3, 4])
            picked = rng.sample(answers, n)
            ids = []
            for k in range(n):
                rid = f"g{g}-{k}"
                rows.append(
                    (rid, rng.choice(PERSONAS), paraphrase(question, lang, rng, hard), picked[k])
                )
                ids.append(rid)
            planted.add(frozenset(ids))
        elif kind == "same":
            answer = rng.choice(answers)
            for k in range(rng.choice([2, 3])):
                rows.append(
                    (
                        f"g{g}-{k}",
                        rng.choice(PERSONAS),
                        paraphrase(question, lang, rng, hard),
                        same_answer(answer, rng),
                    )
                )
        elif kind == "slot":
            template, words = SLOTS[lang]
            a, b = rng.sample(words, 2)
            if (lang, a) in used or (lang, b) in used:
                continue
            used.update({(lang, a), (lang, b)})
            x, y = rng.sample(answers, 2)
            rows.append((f"g{g}-0", rng.choice(PERSONAS), template.format(a), x))
            rows.append((f"g{g}-1", rng.choice(PERSONAS), template.format(b), y))
        else:
            rows.append((f"g{g}-0", rng.choice(PERSONAS), question, rng.choice(answers)))
    rng.shuffle(rows)
    convs = [
        Conversation.model_validate(
            {
                "id": rid,
                "messages": [
                    {"role": "system", "content": f"You are {persona}."},
                    {"role": "user", "content": prompt},
                    {"role": "assistant", "content": answer},
                ],
            }
        )
        for rid, persona, prompt, answer in rows
    ]
    return convs, planted


def pairs(groups: list[set[str]] | set[frozenset[str]]) -> set[frozenset[str]]:
    """Every unordered pair of ids that share a group."""
    out = set()
    for g in groups:
        members = sorted(g)
        out.update(frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument(
        "--hard", action="store_true", help="also paraphrase with an added clause or a typo"
    )
    parser.add_argument("--prompt-threshold", type=float, default=0.65)
    parser.add_argument("--answer-threshold", type=float, default=0.5)
    args = parser.parse_args()
    convs, planted = build(args.seed, args.groups, args.hard)
    start = time.process_time()
    clusters = conflicts_in(
        convs, prompt_threshold=args.prompt_threshold, answer_threshold=args.answer_threshold
    )
    seconds = time.process_time() - start
    found = pairs([{m.id for m in c.members} for c in clusters])
    truth = pairs(planted)
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    print(
        f"records {len(convs)}  planted conflict groups {len(planted)} ({len(truth)} pairs)  "
        f"found clusters {len(clusters)} ({len(found)} pairs)"
    )
    print(f"pair precision {precision:.3f}  recall {recall:.3f}  CPU {seconds:.2f}s")
    for pair in sorted(found - truth, key=sorted)[:5]:
        print("  false pair:", sorted(pair))
    by_id = {c.id: c for c in convs}
    for pair in sorted(truth - found, key=sorted)[:5]:
        print("  missed:", [by_id[i].messages[1].content for i in sorted(pair)])


if __name__ == "__main__":
    main()
