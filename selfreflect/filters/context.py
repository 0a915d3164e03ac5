"""Drop single-turn records whose user message only makes sense after earlier turns.

A record with one user turn has no earlier context, so "continue", "what did you mean by that?",
"the second one" or "Understood. Here are 100 questions:" (an answer to an instruction that is
not in the record) cannot be answered well. Rules only; an LLM judge is in ``selfreflect.reflect``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

import regex
from pydantic import Field

from selfreflect.conversation import Conversation
from selfreflect.steps import Filter, Outcome

_TAIL = r"\s*(?:please|pls|then|now|again|for\s+me)?\s*[.!?…]*\s*$"

# "Go on" / "again" / "more" as a whole message, in other languages.
_MORE_I18N = (
    r"contin[uú]a(?:r)?|sigue|siga|prosigue|otra\s+vez|de\s+nuevo|m[aá]s|y\s+luego|y\s+despu[eé]s"
    r"|continue|continuez|la\s+suite|encore|et\s+apr[eè]s|vas-y|allez-y"
    r"|weiter(?:machen)?|mach\s+weiter|fahre?\s+fort|nochmal|noch\s+einmal|und\s+dann"
    r"|vai\s+avanti|ancora|di\s+nuovo|e\s+poi|prossegue|mais|de\s+novo|outra\s+vez|e\s+depois"
    r"|продолжа[йи]|продолжи(?:те)?|дальше|ещ[её](?:\s+раз)?|и\s+что\s+дальше|продовжуй|далі"
    r"|ще\s+раз"
    r"|続けて|続き(?:を)?|もっと|もう一度|それで"
    r"|계속(?:해|해서|하세요)?|더|다시|그래서"
)
_PLEASE_I18N = (
    r"por\s+favor|s'il\s+(?:te|vous)\s+pla[iî]t|bitte|per\s+favore|пожалуйста|будь\s+ласка"
    r"|(?:して)?(?:ください|下さい|くれ|お願いします)|줘|주세요|해\s*줘"
)

_RULES: dict[str, list[str]] = {
    # Asking to go on with something that is not in the record.
    "continuation": [
        rf"^\s*(?:please\s+)?(?:continue|go\s+on|keep\s+going|carry\s+on|go\s+ahead|proceed|next"
        rf"|more|and\s+then|then\s+what|what\s+else|what\s+next|and\s*\??|finish\s+it"
        rf"|tell\s+me\s+more|say\s+more|elaborate|expand\s+on\s+(?:it|that|this)|once\s+more"
        rf"|(?:do|say|try|write|explain)\s+(?:it|that|this)\s+again|again|one\s+more(?:\s+time)?"
        rf"|another\s+one|keep\s+it\s+going|don'?t\s+stop|resume"
        rf"|let'?s\s+(?:go|start|begin|continue|do\s+(?:it|this|that))|lets\s+go"
        rf"|I'?m\s+back|I\s+am\s+back|back\s+again|(?:hi|hello|hey)\s+again){_TAIL}",
        r"^\s*(?:please\s+)?(?:continue|keep\s+going|go\s+on)\s+(?:from\s+where|where\s+you"
        r"|with\s+your\s+|with\s+the\s+(?:previous|last|rest)\b|from\s+(?:there|here)\b)",
        r"^\s*(?:请)?(?:继续|接着说|接着写|继续写|然后呢|还有呢|再来一次|再说一遍|再来|下一个|更多)"
        r"\s*(?:吧|啊|呀)?\s*[。！!？?…\s]*$",
        # The same whole-message requests in other languages ("Continúa", "Weiter bitte",
        # "Продолжай", "続けてください", "계속해줘"), with their "please".
        rf"^\s*[¿¡]?\s*(?:{_PLEASE_I18N})?[,、]?\s*(?:{_MORE_I18N})\s*[,、]?\s*"
        rf"(?:{_PLEASE_I18N})?\s*[.!?¡¿。！？…\s]*$",
        r"^\s*(?:can|could|would)\s+you\s+(?:please\s+)?(?:continue|go\s+on|keep\s+going"
        r"|repeat\s+(?:that|it|this)|say\s+(?:that|it)\s+again|elaborate(?:\s+on\s+(?:that|it))?"
        r"|expand\s+on\s+(?:that|it)|explain\s+(?:that|it)\s+(?:again|more|further))"
        r"\s*(?:please)?\s*[.!?]*\s*$",
    ],
    # Pointing back at something said earlier.
    "refers_back": [
        r"\bwhat\s+(?:did|do)\s+you\s+mean\s+by\s+(?:that|this|it)\b",
        r"^\s*what\s+do\s+you\s+mean\s*\??\s*$",
        r"\b(?:as|like)\s+I\s+(?:said|mentioned|told\s+you|asked|explained)\s+(?:before|earlier"
        r"|above|already|previously)\b",
        r"^\s*(?:as|like)\s+I\s+(?:said|mentioned|told\s+you)\s*,",
        r"\b(?:you\s+(?:just\s+)?(?:said|mentioned|told\s+me|wrote|suggested)|you've\s+(?:just\s+)?"
        r"(?:said|mentioned))\s+(?:earlier|before|above|that|previously|in\s+your\s+(?:last|previous))\b",
        r"\byour\s+(?:last|previous|earlier|above)\s+(?:answer|response|reply|message|point"
        r"|suggestion|example|list)\b",
        r"\byour\s+(?:first|second|third)\s+(?:point|suggestion|option)\b",
        r"\bthe\s+(?:previous|above)\s+(?:answer|response|reply)\b",
        r"\b(?:that's|that\s+is|this\s+is)\s+not\s+what\s+I\s+(?:asked|meant|wanted)\b",
        r"^\s*(?:the\s+)?same\s+(?:as\s+)?(?:before|last\s+time)\s*(?:please)?\s*[.!?]*\s*$",
        # A whole message that is a command on a text it does not contain.
        r"^\s*(?:please\s+)?(?:summari[sz]e|translate|rewrite|rephrase|shorten|fix|explain)\s+"
        r"(?:that|it|the\s+above|this|your\s+answer|the\s+(?:list|text|story|code)\s+above)"
        r"(?:\s+(?:for\s+me|please|again|into\s+\w+|to\s+\w+|in\s+\w+))*\s*[.!?]*\s*$",
        # A bare ordinal choice: "the second one", "I'll take the first one", "number 3"
        r"^\s*(?:(?:I'?ll\s+(?:take|go\s+with|pick|choose)|I\s+(?:choose|pick|like|prefer|want)"
        r"|let'?s\s+(?:go\s+with|do)|go\s+with)\s+)?(?:the\s+)?(?:first|second|third|fourth|fifth"
        r"|last|other|former|latter|next|previous)\s+(?:one|option|choice)?\s*(?:please)?\s*[.!?]*$",
        r"^\s*(?:option|number|#)\s*\d+\s*(?:please)?\s*[.!?]*$",
        # "What about the second one?", "And the other one?"
        r"^\s*(?:and\s+)?(?:(?:what|how)\s+about\s+)?(?:the\s+)?(?:first|second|third|fourth|fifth"
        r"|last|other|previous|next|former|latter)\s+(?:one|option|choice|part|point)"
        r"\s*(?:then|please)?\s*[?.!]*\s*$",
        # "And then what happened?" at the start of a record
        r"^\s*(?:and\s+)?then\s+what(?:\s+happened)?\s*[?.!]*\s*$"
        r"|^\s*and\s+then\s+what(?:\s+happened)?\b",
        # "Why did you say that (earlier)?"
        r"\bwhy\s+(?:did|would)\s+you\s+(?:say|write|answer|suggest)\s+(?:that|this|it)\b",
        # "Same question as before, but ..."
        r"\bsame\s+(?:question|thing|answer|request|story)\s+as\s+(?:before|earlier|last\s+time"
        r"|above|previously)\b",
        r"^\s*(?:the\s+)?same\s+as\s+(?:above|before|earlier|last\s+time)\b",
        # "Do it again but funnier", "ok next question"
        r"^\s*(?:please\s+)?(?:do|say|write|try|tell)\s+(?:it|that|this)\s+again\b",
        r"^\s*(?:ok(?:ay)?|alright|fine|sure)?[,.]?\s*next\s+(?:question|one|topic|please)"
        r"\s*[.!?]*\s*$",
        r"(?:你|您)(?:刚才|之前|上面)(?:说|提到|讲)|^\s*(?:第[一二三四五1-5]个|上一个|最后一个)(?:吧)?\s*[。!！?？]*$"
        r"|^\s*为什么\s*[?？]?\s*$",
        r"^\s*why\s*\??\s*$|^\s*how\s+so\s*\??\s*$|^\s*really\s*\?+\s*$|^\s*(?:and\s+)?then\s*\?+\s*$",
    ],
    # A reply to an instruction or answer that is not in the record.
    "reply_to_missing_turn": [
        r"^\s*(?:understood|got\s+it|okay|ok|sure|alright|all\s+right|noted|will\s+do|certainly"
        r"|absolutely|great|perfect)\s*[.!,]\s*(?:here\s+(?:are|is)|below\s+(?:are|is)"
        r"|as\s+requested)\b",
        r"^\s*here\s+(?:are|is)\s+(?:the\s+)?(?:\d+|a\s+few|some|several|more|another|the\s+rest)"
        r"\b[^?]*:\s*$",
        r"^\s*(?:yes|yeah|yep|no|nope|nah|ok|okay|sure|fine|thanks|thank\s+you|thx|right|exactly"
        r"|correct|agreed|understood|got\s+it|I\s+see|makes\s+sense|that\s+makes\s+sense"
        r"|good\s+point|fair\s+enough|never\s+mind|nevermind|you're\s+right|that's\s+right"
        r"|same|me\s+too|lol|haha|hmm+|wow|cool|nice)(?:\s+(?:so\s+much|a\s+lot|please))?"
        r"\s*[.!?…]*\s*$",
        r"^\s*[?？!！.。…]+\s*$",
        # a correction of an answer that is not there: "This isn't something to configure in
        # node.js at all", "That doesn't work", "It still doesn't work"
        r"^\W*(?:this|that|it)\s+(?:still\s+)?(?:isn'?t|is\s+not|doesn'?t|does\s+not|didn'?t"
        r"|did\s+not|wasn'?t|won'?t)\s+(?:work|working|right|correct|what|something|true|helpful"
        r"|compile|run)\b",
        # a comparison with an answer that is not there: "alot more results, is this right?",
        # "much better now", "way too long"
        r"^\W*(?:a\s*lot|way|much|far|even|still)\s+(?:more|less|fewer|better|worse|shorter"
        r"|longer|too\s+\w+)\b(?![^.?!\n]{0,80}\bthan\b)",
    ],
}


# The opening of a chunk cut from a longer chat (its leading answer was trimmed): words that
# point at the missing part. Only used on such openings, where context is known to be missing.
_CHUNK_RULES = [
    r"^\W*(?:but|and|also|so|then|now|okay|ok|alright|great|good|nice|perfect|thanks|thank\s+you"
    r"|yes|yeah|yep|no|nope|hmm+|wait|actually|instead|still|again|for\s+example|same)\b",
    r"\b(?:the|this|that|these|those)\s+(?:above|previous|last|earlier|first|second|third"
    r"|other)\b|\bthe\s+same(?=\s*(?:[.?!,]|$|for\b|as\s+(?:above|before)|thing\b|way\b))|\babove\b|\b(?:before|earlier|previously)\s*[.?!]?\s*$",
    r"\b(?:you|u)\s+(?:just\s+)?(?:left\s+off|stopped|gave|generated|wrote|mentioned|showed|forgot"
    r"|missed|did\w?n'?t\s+(?:mention|include|finish|answer)|did\s+not\s+(?:mention|include|finish)"
    r"|provided|suggested|listed|described)\b",
    r"\bI\s+(?:just\s+)?(?:gave|shared|provided|sent|showed|pasted|asked)\s+(?:you|for)\b",
    r"\b(?:these|those|such)\s+\w+|\bnot\s+all\s+of\s+the\b|\b\d+\s+more\b"
    r"|\bmore\s+(?:detail|detailed|examples?|info|information|ideas|options)\b",
    r"^\W*(?:what|which|any|some)\s+(?:other|else)\b",
    r"\b(?:this|that|the)\s+(?:code|story|table|list|text|scene|chapter|essay|formula|function"
    r"|script|email|query|error|links?|transcript|video|song|plan|answer|response|prompt"
    r"|document|article|paragraph|poem|quiz|class|program|project|character|characters)\b",
    r"\b(?:with\s+that\s+in\s+mind|rewrite|revise|redo)\b",
    r"上面|以上|刚才|之前|前面|这个(?:代码|表格|故事)|anterior(?:es)?\b|arriba\b|lo\s+mismo"
    r"|ci-dessus|pr[ée]c[ée]dent|\boben\b|vorherige",
]


# More openings that point at the missing part of a chunk: a reaction to it ("That's nice but",
# "I see you've modified", "I really like the idea of"), an edit of it ("Dont make X variables",
# "instead of its name", "write it in solidity"), or a thing named as already known ("this app",
# "the python code", "add that to below").
_CHUNK_RULES += [
    r"^\W*(?:that'?s|that\s+is|this\s+is|it'?s|it\s+is)\s+(?:\w+\s+)?(?:nice|good|great|fine|ok"
    r"|okay|better|cool|perfect|awesome|amazing|helpful|close|wrong|incorrect|correct|not|too|much"
    r"|very|really|almost|exactly|interesting|weird|strange|confusing|incomplete)\b",
    r"^\W*(?:I\s+see|I\s+(?:really\s+)?(?:like|love|liked|loved)\s+(?:the|this|that|these|it"
    r"|your|how)\b|I\s+(?:don'?t|do\s+not|didn'?t)\s+(?:like|want|understand|need|see)\b"
    r"|(?=[^?\n]{0,120}$)(?:I'?m|I\s+am)\s+using|don'?t|dont|do\s+not|instead"
    r"|why\s+(?:did|do|is|are|does"
    r"|not|would)|what\s+about|how\s+about|what\s+if|(?:can|could)\s+you\s+also|please\s+also"
    r"|make\s+(?:it|them|this|that)|change\s+(?:it|them|this|that|the)|add\s+(?:it|them|this"
    r"|that)|use\s+(?:it|them|this|that)|put\s+(?:it|them|this|that))\b",
    # an edit of a text the turn does not hold ("add an action to the ...", "check all disks,
    # not just /")
    r"^(?=[^\n`]{0,200}$)\W*(?:please\s+)?(?:add|remove|delete|insert|append|change|replace"
    r"|update|modify|edit|rename|shorten|extend|simplify|reformat)\s+(?:\w+\s+){0,3}(?:to|in|from"
    r"|with|into|of)\s+(?:the|this|that|it|them|each|every|all)\b|\bnot\s+just\b",
    r"\b(?:instead\s+of\s+(?:its|their|the)|based\s+on\s+(?:that|this|these|those|it|them))\b"
    r"|\b(?:below|aforementioned)\W*$",
    # a short request whose object is a pronoun: "write it in solidity", "turn them into a table"
    r"^(?=[^\n:]{0,80}$)(?:\S+\s+){0,3}(?<!\b(?:is|was|does|did|do|can|could|will|would"
    r"|should|if|how|what|why|when|where)\s+)(?:it|them|its)\b(?!\s+(?:is|was|possible|better"
    r"|true|worth|safe|necessary|important|ok|okay)\b)",
    # "the python code", "the new script" as if already shown; "this app" in a short request
    r"\bthe\s+(?:\w+\s+)?(?:code|script|function|query|outline|story|table|list|program|app|author"
    r"|website|design|plan|schedule|essay|letter|email|article|text|report|formula)\b"
    r"|^(?=[^\n:]{0,250}$).*\b(?:this|that|these|those)\s+(?:app|application|tool|product"
    r"|company|idea|ideas|project|platform|service|business|game|book|model|method|approach"
    r"|strategy|system|process|example|one|version|part|section|step|steps|option|options"
    r"|solution|framework|feature|features|data|file|files|page|site|website|script)\b",
]


#: Cues that name a thing as already known ("the code", "this app"): in an opening with pasted
#: material they point into the paste, and are not read there.
_NAMING_RULES = frozenset(_CHUNK_RULES[-1:])


@lru_cache(maxsize=4)
def _chunk_pattern(tail: bool = False, pasted: bool = False) -> regex.Pattern[str]:
    """All chunk cues, or (``tail``) only those not anchored at the start of the message;
    (``pasted``) without the cues that name a thing as already known."""
    rules = [
        p
        for p in _CHUNK_RULES
        if not (tail and p.startswith("^")) and not (pasted and p in _NAMING_RULES)
    ]
    return regex.compile("|".join(f"(?:{p})" for p in rules), regex.IGNORECASE)


_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")


def _words(text: str) -> int:
    """Words in ``text``; in Chinese, Japanese and Korean about two characters make a word."""
    words = len(text.split())
    if words <= 3 and _CJK.search(text):
        return max(words, len(_CJK.findall(text)) // 2)
    return words


def chunk_cue(text: str) -> str | None:
    """What marks the opening of a cut-out chunk as pointing at the missing part, or None.

    Very short openings ("Add tests", "10 more") and the ordinary context cues count too.
    """
    text = _request_of(text)
    found = context_cue(text)
    if found is not None:
        return found[1]
    if _words(text) <= 3 and "```" not in text:
        return text
    # a long opening carries pasted material (code, search results) that its words may point
    # into: only its first line is read in full there
    pasted = len(text) > 600 or "```" in text or text.count("\n") >= 5
    head = text.split("\n", 1)[0][:200] if pasted else text[:400]
    hit = _chunk_pattern().search(head) or _chunk_pattern(True, pasted).search(text[-200:])
    return hit.group().strip() if hit else None


@lru_cache(maxsize=1)
def _compiled() -> dict[str, regex.Pattern[str]]:
    """One compiled pattern per reason, built on first use."""
    flags = regex.IGNORECASE  # ^ and $ are the whole message, not a line inside it
    return {
        reason: regex.compile("|".join(f"(?:{p})" for p in patterns), flags)
        for reason, patterns in _RULES.items()
    }


# What a prompt plugin appends to every user turn of a ShareGPT chat; not part of the request.
_PLUGIN_SUFFIX = regex.compile(
    r"\s*\n\s*please\s+(?:write|respond|answer|reply)\s+in\s+[\w ]{2,30}\.?\s*$",
    regex.IGNORECASE,
)


def _request_of(text: str) -> str:
    """The user turn without curly apostrophes and a prompt plugin's suffix."""
    text = text.replace("\u2019", "'").strip()
    if "lease" in text[-60:] and "\n" in text:
        return _PLUGIN_SUFFIX.sub("", text)
    return text


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` (split at each ``|`` outside groups and sets)."""
    parts, depth, in_set, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1
        elif in_set:
            in_set = char != "]"
        elif char == "[":
            in_set = True
            if pattern[i + 1 : i + 2] == "]" or pattern[i + 1 : i + 3] == "^]":
                i += 1 if pattern[i + 1] == "]" else 2
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*parts, pattern[start:]]


#: A piece of every alternative of the rules not anchored at the start (each is a part of
#: one, so a message without any cannot match one): found with one cheap search.
_LOOSE_GATE = r"you|what|previous|above|same\s|你|您|(?:as|like)\s+I\s"


@lru_cache(maxsize=1)
def _gates() -> tuple[regex.Pattern[str], regex.Pattern[str], regex.Pattern[str]]:
    """The rules' alternatives anchored at the start, the loose gate, and the other alternatives.

    A message the anchored ones do not match at its start, and the others nowhere (or that has
    no piece of the gate), matches no rule.
    """
    alternatives = [a for patterns in _RULES.values() for p in patterns for a in _alternatives(p)]
    anchored = [a for a in alternatives if a.startswith("^")]
    loose = [a for a in alternatives if not a.startswith("^")]
    first, gate, rest = (
        regex.compile("|".join(f"(?:{a})" for a in part), regex.IGNORECASE)
        for part in (anchored, [_LOOSE_GATE], loose)
    )
    return first, gate, rest


def context_cue(text: str) -> tuple[str, str] | None:
    """The (reason, matched text) that marks a message as needing earlier context, or None."""
    text = _request_of(text)
    if len(text) > 1500:
        # a long message is a request and pasted material: the request is at its start or end
        text = f"{text[:1000]}\n…\n{text[-300:]}"
    anchored, gate, loose = _gates()
    if not (anchored.match(text) or (gate.search(text) and loose.search(text))):
        return None
    for reason, pattern in _compiled().items():
        found = pattern.search(text)
        if found:
            return reason, found.group().strip()
    return None


# The first answer of a record speaking of turns the record does not hold: "As I mentioned
# earlier", "I apologize for the repetitive nature of my previous responses".
_ANSWER_REFERS_BACK = (
    r"\b(?:as|like)\s+(?:I|we)\s+(?:mentioned|said|stated|explained|noted|discussed|suggested)"
    r"\s+(?:earlier|before|previously|above|in\s+my\s+(?:previous|last|earlier))\b"
    r"|\bmy\s+(?:previous|last|earlier)\s+(?:response|responses|answer|answers|reply|replies"
    r"|message|messages|example|code|explanation)\b"
    r"|^\W*(?:I\s+apologi[sz]e|my\s+apologies|apologies|sorry)\b[^.!?\n]{0,40}\b(?:confusion"
    r"|oversight|mistake|error|misunderstanding|repetitive)\b"
    r"|\b(?:como\s+(?:te\s+)?(?:mencion[eé]|dije)\s+(?:antes|anteriormente)"
    r"|comme\s+(?:je\s+l'ai\s+)?(?:mentionn[ée]|dit)\s+(?:plus\s+haut|pr[ée]c[ée]demment)"
    r"|wie\s+(?:bereits\s+)?(?:erw[äa]hnt|gesagt))\b"
    r"|如前所述|正如我之前|我之前(?:提到|说)"
)

# A chat that opens by answering a prompt that is not in the record (chitchat's challenge
# prompts: "I would DEFINITELY turn them off", "Probably not, no.", "I do not know").
_ANSWER_OPENING = (
    r"^\W*(?:eh|meh|well|honestly|personally|probably|definitely|maybe|possibly|absolutely"
    r"|omi?g\w*|oh\s+my|o+h+|o+f+|o+o+h*|hmm+|(?:yes|yeah|yep|no|nope|nah)(?=\s*[,.!…]|\s*$)"
    r"|then|that'?s|that\s+would"
    r"|it\s+would|they\s+would|lots\s+of\s+people\s+would"
    r"|I\s+(?:would|'d)(?!\s+(?:like|love|appreciate|want|need|prefer)\b)"
    r"|I\s+(?:wouldn'?t|do\s+not\s+know|don'?t\s+know|dunno|personally|definitely"
    r"|probably|honestly|agree|disagree)"
    r"|s[ií]|probablemente|creo\s+que|yo\s+(?:creo|dir[ií]a|har[ií]a)|no\s+s[eé]"
    r"|oui|non|probablement|je\s+(?:pense|crois|dirais|ferais)|je\s+ne\s+sais\s+pas"
    r"|ja|nein|wahrscheinlich|ich\s+(?:denke|glaube|w[üu]rde)|wei[ßs]\s+nicht"
    r")\b"
    r"|^\W*(?:是的|不是|可能|我会|我觉得|我不知道|はい|いいえ|たぶん|多分|네|아니요|아마)"
)


_FIRST_SENTENCE_END = regex.compile(r"[.!?\n。！？]")


@lru_cache(maxsize=1)
def _opening_patterns() -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    """The answer-refers-back and answer-opening patterns, compiled on first use."""
    flags = regex.IGNORECASE
    return regex.compile(_ANSWER_REFERS_BACK, flags), regex.compile(_ANSWER_OPENING, flags)


#: One of these is in every text the answer-refers-back pattern matches (a cheap gate).
_REFERS_BACK_WORDS = (
    "mention", "said", "stated", "explained", "noted", "discussed", "suggested", "previous",
    "last", "earlier", "apolog", "sorry", "dije", "mencion", "dit", "erwähnt", "gesagt", "如前",
    "之前",
)  # fmt: skip


def answer_refers_back(text: str) -> str | None:
    """What in an opening answer speaks of earlier turns ("as I mentioned earlier"), or None."""
    head = text[:300]
    low = head.lower()
    if not any(word in low for word in _REFERS_BACK_WORDS):
        return None
    found = _opening_patterns()[0].search(head.replace("\u2019", "'"))
    return found.group().strip() if found else None


def answer_opening(text: str) -> str | None:
    """What marks a chat's first message as an answer to an unseen prompt, or None."""
    found = _opening_patterns()[1].match(text.replace("\u2019", "'"))
    if found is None:
        return None
    end = _FIRST_SENTENCE_END.search(text)
    if end is not None and end.group() in "?？":
        return None  # "Maybe you could recommend a book?" asks; it does not answer
    if _GREETING_AFTER.match(text, found.end()):
        return None  # "Well hello there", "Oh hi!": a greeting opens a chat, it answers nothing
    return found.group().strip()


#: A greeting right after the opening word ("Well hello there", "Oh hi", "yes hello").
_GREETING_AFTER = regex.compile(
    r"\W*(?:hello|hell+o+|hi+|hey+|howdy|greetings|good\s+(?:morning|afternoon|evening)"
    r"|hola|buenos\s+d[ií]as|bonjour|salut|hallo|guten\s+tag|你好|こんにちは|안녕)\b",
    regex.IGNORECASE,
)


class DropContextDependent(Filter):
    """Drop records whose opening user message needs earlier turns ("continue", "again").

    - A record with at most ``max_user_turns`` user turns: every cue (continuation, refers_back,
      reply_to_missing_turn).
    - A chunk known to miss its start: its leading answer was trimmed (``drop_bad_structure`` cut
      an assistant message before the first user turn), or its first answer speaks of turns the
      record does not hold ("As I mentioned earlier"). The cues above plus words that point at
      the missing part ("the code above", "you left off", "these links", "10 more", a bare
      "Add tests", "write it in solidity") are looked for in each user turn from the start: the
      exchanges before the first user turn that stands alone are cut away when at least
      ``min_exchanges_left`` exchanges remain; otherwise the record is dropped as
      ``headless_context``.
    - A chat with no system prompt, at most ``max_answer_opening_turns`` user turns, whose first
      message answers a prompt that is not in the record ("I would DEFINITELY turn them off",
      "Probably not, no.", "I do not know"): ``answer_to_missing_prompt``.
    - Any other longer record: only an opening that asks to go on (``continuation``).

    Args:
        max_user_turns: records with at most this many user turns are checked for every cue;
            longer records only for an opening that asks to go on ("continue", "keep going").
        min_exchanges_left: a chunk whose opening points at the missing part keeps its rest from
            the first self-contained user turn when at least this many exchanges are left;
            0 never cuts (the record is dropped).
        max_answer_opening_turns: chats with at most this many user turns that open by answering
            an unseen prompt are dropped; 0 turns the check off.
    """

    reasons = {
        "headless_context": "the record is a chunk of a longer chat (its leading answer was cut, "
        "or its first answer speaks of earlier turns) and no user turn stands on its own with a "
        "complete exchange after it; otherwise the dependent head is cut",
        "continuation": "the user asks to continue or repeat something the record does not contain",
        "refers_back": "the user points at an earlier turn ('what did you mean by that?')",
        "reply_to_missing_turn": "the user message answers a turn that is not in the record "
        "('Understood. Here are 100 ...', a bare 'yes' or 'thanks')",
        "answer_to_missing_prompt": "a short chat opens by answering a prompt that is not in the "
        "record ('I would DEFINITELY turn them off', 'Probably not, no.')",
    }

    def __init__(
        self,
        max_user_turns: Annotated[int, Field(ge=1, le=10_000)] = 1,
        min_exchanges_left: Annotated[int, Field(ge=0, le=10_000)] = 0,
        max_answer_opening_turns: Annotated[int, Field(ge=0, le=10_000)] = 2,
    ):
        self.max_user_turns = max_user_turns
        self.min_exchanges_left = min_exchanges_left
        self.max_answer_opening_turns = max_answer_opening_turns

    def keep(self, conv: Conversation) -> bool | tuple[bool, str] | tuple[bool, str, str]:
        outcome = self.process(conv)
        if isinstance(outcome, Conversation):
            return True
        return False, outcome.reason, outcome.detail

    def process(self, conv: Conversation) -> Outcome:
        messages = conv.messages
        first = next((i for i, m in enumerate(messages) if m.role == "user"), None)
        if first is None:
            return conv
        # Only the opening user message lacks context; an assistant greeting before it gives some.
        if any(m.role == "assistant" for m in messages[:first]):
            return conv
        opening = messages[first].text
        # a step cut the record's head (a leading answer, a bad first exchange): it starts mid-chat
        headless = any(c["indices"] and c["indices"][0] <= first for c in conv.cuts)
        if headless:
            return self._chunk(conv, first, chunk_cue(opening), "")
        users = [i for i, m in enumerate(messages) if m.role == "user"]
        answer = next((m for m in messages[first:] if m.role == "assistant"), None)
        if answer is not None and len(users) > 1:
            said = answer_refers_back(answer.text)
            if said is not None:
                # the first exchange answers from a part the record does not hold
                return self._chunk(conv, first, said, f"its first answer says {said[:40]!r}; ")
        if len(users) > self.max_user_turns:
            return self._continuation(conv, opening)
        found = context_cue(opening)
        if found is None:
            return self._answer_opening(conv, opening, len(users))
        reason, matched = found
        return self.reject(conv, reason, f"user message needs earlier context: {matched[:80]!r}")

    def _continuation(self, conv: Conversation, opening: str) -> Outcome:
        """A longer record: only an opening that asks to go on is judged."""
        # every continuation cue is anchored at the start (match, not search), and only the
        # "continue from where you stopped" forms run past 80 characters
        head = opening.lstrip()[:12].lower()
        if len(opening) > 80 and not head.startswith(("please", "continue", "keep", "go on")):
            return self._answer_opening(conv, opening, len(conv.turns("user")))
        hit = _compiled()["continuation"].match(opening.replace("\u2019", "'").strip())
        if hit is None:
            return self._answer_opening(conv, opening, len(conv.turns("user")))
        detail = f"user message needs earlier context: {hit.group().strip()[:80]!r}"
        # "go on" opens a longer chat: its first exchange goes when the next request stands alone
        trimmed = self._head_cut(conv, "continuation", detail, 1, max_cut=1)
        return trimmed if trimmed is not None else self.reject(conv, "continuation", detail)

    def _answer_opening(self, conv: Conversation, opening: str, users: int) -> Outcome:
        """A short chat with no system prompt that opens by answering an unseen prompt."""
        if users > self.max_answer_opening_turns or conv.messages[0].role == "system":
            return conv
        said = answer_opening(opening)
        if said is None:
            return conv
        return self.reject(
            conv,
            "answer_to_missing_prompt",
            f"the chat opens by answering a prompt it does not hold: {opening[:60]!r}",
        )

    def _chunk(self, conv: Conversation, first: int, cue: str | None, why: str) -> Outcome:
        """A chunk missing its start: cut the dependent head, or drop when nothing stands alone."""
        if cue is None and not why:
            return conv
        pointed = cue if cue is not None else why
        detail = f"{why}the chunk's first user turn points at the missing part: {pointed[:80]!r}"
        if self.min_exchanges_left:
            trimmed = self._head_cut(conv, "headless_context", detail, self.min_exchanges_left)
            if trimmed is not None:
                return trimmed
        return self.reject(conv, "headless_context", detail)

    def _head_cut(
        self, conv: Conversation, reason: str, detail: str, min_left: int, max_cut: int = 0
    ) -> Conversation | None:
        """The record from its first self-contained user turn on, or None when there is none
        with at least ``min_left`` exchanges from it (within ``max_cut`` exchanges, 0: any)."""
        messages = conv.messages
        users = [i for i, m in enumerate(messages) if m.role == "user"]
        first = users[0]
        for n, start in enumerate(users[1:], start=1):
            if len(users) - n < min_left or (max_cut and n > max_cut):
                break
            if chunk_cue(messages[start].text) is None:
                return conv.cut(
                    list(range(first, start)),
                    self.name,
                    reason,
                    f"{detail}; messages {first}-{start - 1} cut, message {start} stands alone",
                )
        return None
