"""selfreflect: turn raw chat logs into clean, deduplicated, LLM-improved training data.

The public surface: the model (Conversation, Message); reading and writing (read, write,
write_jsonl, write_rejects); writing steps (Filter, Rewriter, MessageRewriter, RecordStep,
Step, Outcome, Reject, ``@filter``); running (``run``, files to files; Pipeline, RunResult,
Report, StepStats); recipes (Recipe, load_recipe, dump_recipe); describing data and runs
(DatasetStats, dataset_stats, write_html); the errors (AccountingError, EngineError,
FormatMismatch, ParamError, RecipeError, UnknownStepError; PluginWarning). Engines:
:mod:`selfreflect.engines`.
"""

from selfreflect.conversation import Conversation, Message
from selfreflect.formats import read, write, write_jsonl, write_rejects
from selfreflect.formats.forced import FormatMismatch
from selfreflect.html_report import write_html
from selfreflect.params import ParamError
from selfreflect.pipeline import Pipeline, RunResult
from selfreflect.recipe import Recipe, RecipeError
from selfreflect.recipe import dump as dump_recipe
from selfreflect.recipe import load as load_recipe
from selfreflect.registry import PluginWarning, UnknownStepError
from selfreflect.report import AccountingError, Report, StepStats
from selfreflect.runner import EngineError, run
from selfreflect.stats import DatasetStats, dataset_stats
from selfreflect.steps import Filter, MessageRewriter, Outcome, RecordStep, Reject, Rewriter, Step
from selfreflect.steps import filter_function as filter  # noqa: A001 - @selfreflect.filter
from selfreflect.version import __version__

__all__ = [
    "AccountingError",
    "Conversation",
    "DatasetStats",
    "EngineError",
    "Filter",
    "FormatMismatch",
    "Message",
    "MessageRewriter",
    "Outcome",
    "ParamError",
    "Pipeline",
    "PluginWarning",
    "Recipe",
    "RecipeError",
    "RecordStep",
    "Reject",
    "Report",
    "Rewriter",
    "RunResult",
    "Step",
    "StepStats",
    "UnknownStepError",
    "__version__",
    "dataset_stats",
    "dump_recipe",
    "filter",
    "load_recipe",
    "read",
    "run",
    "write",
    "write_html",
    "write_jsonl",
    "write_rejects",
]
