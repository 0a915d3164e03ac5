import types

import selfreflect


def test_public_api_is_sorted_and_complete():
    """Every public name in selfreflect is exported, and __all__ is sorted (httpx's rule)."""
    assert selfreflect.__all__ == sorted(selfreflect.__all__)
    public = {
        name
        for name, value in vars(selfreflect).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(selfreflect.__all__) - {"__version__"}


def test_the_exact_public_names():
    """Adding or removing a public name is a decision: this list changes with it."""
    assert selfreflect.__all__ == [
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


def test_engines_are_public_and_imported_lazily():
    import subprocess
    import sys

    code = (
        "import sys, selfreflect.engines as e; assert 'ray' not in sys.modules; "
        "assert 'datasets' not in sys.modules; assert 'run_ray' in e.__all__; "
        "print(e.WorkersFailed.__name__, e.as_hf_filter.__module__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["WorkersFailed", "selfreflect.engines.hf"]
