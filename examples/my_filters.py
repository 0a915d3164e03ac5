from selfreflect import Conversation, Filter


class DropShortAnswers(Filter):
    """Drop conversations with an assistant answer shorter than min_chars."""

    reasons = {"short_answer": "an assistant answer is shorter than min_chars"}

    def __init__(self, min_chars: int = 20):
        self.min_chars = min_chars

    def keep(self, conv: Conversation) -> bool | tuple[bool, str]:
        if any(len(m.content) < self.min_chars for m in conv.turns("assistant")):
            return False, "short_answer"
        return True
