"""Engines that run a pipeline: local (process pool), Ray Data, Hugging Face datasets.

Names are imported on first use, so ``import selfreflect.engines`` never imports Ray or
``datasets`` (``pip install 'selfreflect[ray]'`` / ``'selfreflect[hf]'`` for those)::

    from selfreflect.engines import RayEngine, run_ray, as_hf_filter
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it.
_NAMES = {
    "WorkersFailed": "selfreflect.pool",
    "worker_pool": "selfreflect.pool",
    "RayEngine": "ray_engine",
    "kept_conversations": "ray_engine",
    "reject_lines": "ray_engine",
    "run_ray": "ray_engine",
    "to_rows": "ray_engine",
    "as_hf_filter": "hf",
    "as_hf_map": "hf",
    "as_hf_verdicts": "hf",
    "from_hf_dataset": "hf",
    "read_hf": "hf",
    "to_hf_dataset": "hf",
    "write_hf": "hf",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    """Import an engine's name from its module the first time it is asked for."""
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    path = module if "." in module else f"{__name__}.{module}"
    value = getattr(importlib.import_module(path), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
