"""selfreflect: turn raw chat logs into clean, deduplicated, LLM-improved training data."""

# The model
from selfreflect.conversation import Conversation, Message

# Reading and writing
from selfreflect.formats import read, write, write_jsonl, write_rejects

# Running
from selfreflect.pipeline import Pipeline, RunResult

# Recipes
from selfreflect.recipe import Recipe, RecipeError
from selfreflect.recipe import dump as dump_recipe
from selfreflect.recipe import load as load_recipe
from selfreflect.report import AccountingError, Report, StepStats

# Writing steps
from selfreflect.steps import Filter, MessageRewriter, RecordStep, Reject, Rewriter, Step
from selfreflect.steps import filter_function as filter  # noqa: A001 - @selfreflect.filter

__version__ = "0.1.0"

__all__ = [
    "AccountingError",
    "Conversation",
    "Filter",
    "Message",
    "MessageRewriter",
    "Pipeline",
    "Recipe",
    "RecipeError",
    "RecordStep",
    "Reject",
    "Report",
    "Rewriter",
    "RunResult",
    "Step",
    "StepStats",
    "__version__",
    "dump_recipe",
    "filter",
    "load_recipe",
    "read",
    "write",
    "write_jsonl",
    "write_rejects",
]
