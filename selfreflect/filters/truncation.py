"""Answers cut off by the chat window: join "continue" chains, cut what stays truncated.

An assistant answer is *truncated* when it ends inside an open code fence, when its last code
block stops with brackets still open, or when a long prose answer stops mid-sentence (its last
line runs on without final punctuation, or ends on a word like "the" or a comma). Chat replies
without a full stop are normal and never count: the prose rule needs a composed answer
(paragraphs separated by a blank line, at least three sentences, 40+ words).

- :class:`JoinContinuations`: an answer, a user turn asking to go on ("continue", "go on",
  "generate the remaining content") and the rest of the answer become one answer when the
  pieces fit (the first is truncated and the second picks up where it stopped: lower case,
  punctuation, or more code). The request goes to the rejects file as a cut.
- :class:`CutTruncatedAnswers`: a truncated answer with no continuation after it is cut away
  with its exchange (the record is dropped when no complete exchange is left before it).
"""

from __future__ import annotations

from typing import Annotated, Literal

import regex
from pydantic import Field

from selfreflect.conversation import Conversation, Message
from selfreflect.filters.turns import Finding, TurnFilter
from selfreflect.steps import Rewriter

_FENCE_LINE = regex.compile(r"^[ \t]*(?:```|~~~)", regex.M)
_TERMINAL = regex.compile(r"[.!?。！？…)\]}\"'”’»:;`*|>~_=\-]\s*$|\p{Extended_Pictographic}\s*$")
_FUNCTION_END = regex.compile(
    r"(?:,|\b(?:the|a|an|and|or|but|of|to|with|for|in|on|is|are|was|were|that|which|by|as|at"
    r"|from|into|than|then|if|because|so|such|this|these|its|their|your|our|my|who|whose|while"
    r"|until|about|like|between|through))\s*$",
    regex.IGNORECASE,
)
_LIST_START = regex.compile(r"^\s*(?:[-*+•|#>]|\d+[.)]|[a-zA-Z][.)]\s)")
_SENTENCE_END = regex.compile(r"[.!?。！？](?:\s|$)")
_CJK_END = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]\s*$")
_OPENERS, _CLOSERS = "([{", ")]}"
# The last line announces what follows and nothing follows ("Here's", "Here are the steps:").
_LEAD_IN = regex.compile(
    r"\b(?:here'?s|here\s+(?:is|are)|as\s+follows|the\s+following)\s*:?\s*$"
    r"|\b(?:here'?s|here\s+(?:is|are)|following|as\s+follows|example|steps?|code|script"
    r"|like\s+this|below)\b[^\n]{0,60}:\s*$",
    regex.IGNORECASE,
)
# A code line that cannot end a block: an assignment, an argument list or an operator left open.
_OPEN_CODE_LINE = regex.compile(r"(?:[=,(\[{+&|\\]|\b(?:and|or|not|return|import|from))\s*$")

#: A user turn asking for the rest of the previous answer.
_GO_ON = regex.compile(
    r"^\W*(?:please\s+)?(?:continue|go\s+on|keep\s+going|carry\s+on|proceed|finish(?:\s+it)?"
    r"|(?:generate|write|show|give\s+me)\s+(?:the\s+)?(?:rest|remaining(?:\s+\w+)?)"
    r"|继续|계속|続けて|contin[uú]a|weiter|продолжай)\b[^?\n]{0,60}"
    r"(?:\s*\n\s*please\s+(?:write|respond|answer|reply)\s+in\s+[\w ]{2,30}\.?)?\s*$",
    regex.IGNORECASE,
)
# A first line that restarts instead of continuing ("Sure, here's the rest:").
_PREAMBLE = regex.compile(
    r"^\W*(?:sure|certainly|of\s+course|okay|ok|here|apologies|my\s+apologies|I\s+apologi[sz]e"
    r"|sorry|continuing|as\s+I\s+was\s+saying)\b[^\n]*:\s*\n",
    regex.IGNORECASE,
)
# A second piece that starts over instead of going on ("Sure! Here is the whole class again.").
_RESTART = regex.compile(
    r"^\W*(?:sure|certainly|of\s+course|okay|ok|here|apologies|my\s+apologies|I\s+apologi[sz]e"
    r"|sorry|yes|great|thanks?)\b",
    regex.IGNORECASE,
)
_OPEN_FENCE_START = regex.compile(r"^\s*(?:```|~~~)[\w+#.-]*[ \t]*\n")


def _open_fence(text: str) -> bool:
    return len(_FENCE_LINE.findall(text)) % 2 == 1


def _cut_code(text: str) -> bool:
    """The message ends with a code block whose brackets are still open."""
    stripped = text.rstrip()
    if not stripped.endswith(("```", "~~~")):
        return False
    fences = [m.start() for m in _FENCE_LINE.finditer(stripped)]
    if len(fences) < 2 or len(fences) % 2:
        return False
    block = stripped[fences[-2] : fences[-1]]
    if any(block.count(o) - block.count(c) >= 1 for o, c in zip(_OPENERS, _CLOSERS, strict=True)):
        return True
    lines = block.rstrip().splitlines()
    last = lines[-1].strip() if len(lines) > 1 else ""
    return bool(_OPEN_CODE_LINE.search(last)) or last.count('"') % 2 == 1


_END_CHARS = frozenset(".!?。！？…)]}\"'”’»:;`*|>~_=-")


_LEAD_IN_WORDS = ("here", "follow", "example", "step", "code", "script", "like this", "below")


def _lead_in(stripped: str) -> bool:
    """The answer's last line announces what follows ("Here's", "The steps are as follows:")."""
    end = stripped[-1]
    if end != ":" and not end.isalpha():
        return False
    tail = stripped[-90:].lower()
    if not any(word in tail for word in _LEAD_IN_WORDS):
        return False
    last = tail.rsplit("\n", 1)[-1]
    return bool(_LEAD_IN.search(last)) and bool(_SENTENCE_END.search(stripped))


def _after_code(text: str, last: str) -> bool:
    """The answer ends with a prose line of 5+ words after a closed code block, unfinished."""
    if _open_fence(text) or not text.endswith(last) or len(last.split()) < 5:
        return False
    tail = text[text.rfind("```") :]
    return (
        "\n" in tail
        and not last.lstrip().startswith(("```", "|", "#"))
        and last[-1].isalnum()
        and not last.endswith("etc")
    )


def truncation(text: str) -> str | None:
    """How an answer looks cut off ("open code fence", "code cut off", "mid-sentence"), or None."""
    if "```" in text or "~~~" in text:
        if _open_fence(text):
            return "open code fence"
        if _cut_code(text):
            return "code cut off (brackets still open)"
    stripped = text.rstrip()
    if not stripped:
        return None
    if len(stripped) >= 40 and _lead_in(stripped):
        return "ends on a lead-in"
    if stripped[-1] in _END_CHARS:
        return None
    if "```" in stripped:
        last = stripped.rsplit("\n", 1)[-1]
        if not _LIST_START.match(last) and _after_code(stripped, last):
            return "mid-sentence after code"
    if len(stripped) < 200:
        return None  # 40+ words of composed prose are never under 200 characters
    last = stripped.rsplit("\n", 1)[-1]
    if _TERMINAL.search(stripped[-4:]):
        return None
    if _LIST_START.match(last):
        return None
    if _CJK_END.search(last):
        return (
            "mid-sentence"
            if len(last) >= 40 and len(_SENTENCE_END.findall(stripped)) >= 2
            else None
        )
    last_words = len(last.split())
    # a composed answer (paragraphs, sentences), not a chat line that just has no full stop
    if last_words < 5 or "\n\n" not in stripped or len(_SENTENCE_END.findall(stripped)) < 3:
        return None
    words = len(stripped.split())
    if words >= 40 and _FUNCTION_END.search(last):
        return "mid-sentence"
    if words >= 80 and last_words >= 10 and last[-1:].isalnum():
        return "mid-sentence"
    return None


# A request for a joke, in the languages the other rules cover.
_JOKE = regex.compile(
    r"\b(?:jokes?|puns?|riddles?|chistes?|bromas?|blagues?|witze?|barzellett[ae]|piadas?"
    r"|шутк\w*|анекдот\w*|lelucon|fıkra)\b|笑话|笑話|玩笑|ジョーク|冗談|농담|لطیفه|نكتة",
    regex.IGNORECASE,
)


def _missing_punchline(question: Message, answer: str) -> str | None:
    """A joke answered by its set-up question alone ("What do you get when you cross ...?")."""
    text = answer.strip()
    if not text.endswith(("?", "？")) or len(text) > 300 or question.role != "user":
        return None
    if len(_SENTENCE_END.findall(text[:-1] + " ")) > 1 or not _JOKE.search(question.text):
        return None
    return "a joke's set-up with no punchline"


def _repeats_tail(first: str, second: str) -> bool:
    """``second`` starts by repeating the unfinished last line of ``first`` ("Reasons: Highly")."""
    tail = first.rstrip().rsplit("\n", 1)[-1].strip()
    return (
        len(tail) >= 10
        and tail[-1] not in _END_CHARS
        and second.lstrip().startswith(tail)
        and len(second.lstrip()) > len(tail)
    )


def _picks_up(first: str, second: str) -> bool:
    """``first`` stops on a word and ``second`` goes on with it ("Dinner: Yoshoku" +
    "-style omurice ...", "... the quick" + "brown fox ...")."""
    end = first.rstrip()[-1:]
    head = second.lstrip()[:1]
    return end.isalnum() and (head.islower() or head in "-,;") and not _RESTART.match(second)


def _rest_of(first: str, second: str) -> str | None:
    """The joined answer when ``second`` continues ``first``, else None."""
    second = _PREAMBLE.sub("", second, count=1)
    closed = first.rstrip()
    if closed.endswith(("```", "~~~")) and _cut_code(first) and not _OPEN_FENCE_START.match(second):
        # the page closed the fence of code that was cut off: the rest goes on inside it
        code = closed[:-3].rstrip()
        head = second.lstrip(" \t")
        if _RESTART.match(head) or not head:
            return None
        glue = " " if code[-1:].isalnum() and head[:1].isalnum() else ""
        return code + glue + head
    if _open_fence(first):
        if _RESTART.match(second):
            return None
        body = _OPEN_FENCE_START.sub("", second, count=1)
        return first.rstrip(" \t") + ("" if first.endswith("\n") else "\n") + body
    head = second.lstrip()
    if not head:
        return None
    if _repeats_tail(first, head):
        tail = first.rstrip().rsplit("\n", 1)[-1].strip()
        return first.rstrip()[: -len(tail)] + head  # the rest repeats the cut line, then goes on
    if _LIST_START.match(head) and any(_LIST_START.match(line) for line in first.splitlines()):
        return first.rstrip() + "\n" + head  # a list cut off, and its next items
    if head[0].islower() or head[0] in ",.;:!?'’)]}-":
        hyphen = head[0] == "-" and head[1:2].isalpha()  # "Yoshoku" + "-style"
        glue = "" if head[0] in ",.;:!?'’)]}" or hyphen or first[-1:].isspace() else " "
        return first.rstrip() + glue + head
    return None


class JoinContinuations(Rewriter):
    """Join an answer, a "continue" request and the rest of the answer into one answer.

    Args:
        max_request_chars: the longest user turn, in characters, still read as a request for the
            rest of an answer ("continue", "go on"); longer turns are never joined.
    """

    reasons = {
        "continue_request": "a user turn asking for the rest of an answer, whose two "
        "pieces were joined (written to the rejects file as a cut)"
    }

    def __init__(self, max_request_chars: Annotated[int, Field(ge=1, le=100_000)] = 80):
        self.max_request_chars = max_request_chars

    def rewrite(self, conv: Conversation) -> Conversation:
        messages = conv.messages
        i = 0
        while i + 2 < len(messages):
            first, ask, rest = messages[i], messages[i + 1], messages[i + 2]
            if (
                first.role == "assistant"
                and ask.role == "user"
                and rest.role == "assistant"
                and first.content
                and rest.content
                and len(ask.text) <= self.max_request_chars
                and _GO_ON.search(ask.text)
                and (
                    truncation(first.content)
                    or _repeats_tail(first.content, rest.content)
                    or _picks_up(first.content, rest.content)
                )
            ):
                joined = _rest_of(first.content, rest.content)
                if joined is not None:
                    merged = list(messages)
                    merged[i] = first.model_copy(update={"content": joined})
                    conv = conv.with_messages(merged).cut(
                        [i + 1, i + 2],
                        self.name,
                        "continue_request",
                        f"messages {i + 1}-{i + 2}: the request and the rest, joined into "
                        f"message {i}",
                    )
                    messages = conv.messages
                    continue
            i += 1
        return conv


class CutTruncatedAnswers(TurnFilter):
    """Cut away an answer that stops mid-sentence or inside open code, with its exchange.

    Args:
        action: "cut" keeps a multi-turn record up to the exchange before the bad turn when a
            complete exchange is left there (otherwise drops it); "drop" rejects the whole record.
            null means "cut".
    """

    reasons = {
        "truncated_answer": "an assistant answer ends mid-sentence, inside an open code "
        "fence or with its code cut off, and nothing after it continues it"
    }

    def __init__(self, action: Literal["cut", "drop"] | None = None):
        self.action = action

    def find(self, conv: Conversation) -> Finding | None:
        messages: list[Message] = conv.messages
        for i, m in enumerate(messages):
            if m.role != "assistant" or not m.content or m.calls_tools:
                continue
            nxt = messages[i + 1] if i + 1 < len(messages) else None
            if nxt is not None and (nxt.role != "user" or _GO_ON.search(nxt.text)):
                continue  # a tool turn, or the user asked for the rest
            how = truncation(m.content)
            if how is None and nxt is None and i > 0:
                how = _missing_punchline(messages[i - 1], m.content)
            if how:
                return Finding(i, "truncated_answer", f"message {i} (assistant): {how}")
        return None
