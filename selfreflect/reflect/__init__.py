"""LLM steps: ``reflect`` (critique and rewrite answers using the later turns) and ``llm_judge``."""

from selfreflect.reflect.base import LLMStep
from selfreflect.reflect.judge import QUESTIONS, LLMJudge
from selfreflect.reflect.leak import find_hindsight_leak
from selfreflect.reflect.output import Examples, PreferencePair, iter_examples
from selfreflect.reflect.prompts import PROMPTS, get_prompt
from selfreflect.reflect.step import HindsightLeak, KMismatch, Reflect

__all__ = [
    "Examples",
    "PROMPTS",
    "QUESTIONS",
    "HindsightLeak",
    "KMismatch",
    "LLMJudge",
    "LLMStep",
    "PreferencePair",
    "Reflect",
    "find_hindsight_leak",
    "get_prompt",
    "iter_examples",
]
