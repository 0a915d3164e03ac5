"""selfreflect: turn raw chat logs into clean, deduplicated, LLM-improved training data."""

# The model
from selfreflect.conversation import Conversation, Message

# Running
from selfreflect.pipeline import Pipeline, RunResult
from selfreflect.report import Report, StepStats

# Writing steps
from selfreflect.steps import Filter, MessageRewriter, RecordStep, Reject, Rewriter, Step

__version__ = "0.1.0"

__all__ = [
    "Conversation",
    "Filter",
    "Message",
    "MessageRewriter",
    "Pipeline",
    "RecordStep",
    "Reject",
    "Report",
    "Rewriter",
    "RunResult",
    "Step",
    "StepStats",
    "__version__",
]
