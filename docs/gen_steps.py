"""Generate the step catalogue from the registry: every registered step, plugins included.

Used two ways:

- as a mkdocs hook (``hooks: [docs/gen_steps.py]`` in mkdocs.yml): the page
  ``step-catalogue.md`` is generated at build time, so it can never go stale;
- as a script: ``python docs/gen_steps.py`` prints the same Markdown.
"""

from __future__ import annotations

import inspect
from typing import Any

PAGE = "step-catalogue.md"


def _default(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return "*required*"
    return f"`{value!r}`"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def step_section(name: str, cls: type) -> str:
    """One step's entry: summary, kind, parameters and reason codes."""
    from selfreflect.registry import summary
    from selfreflect.steps import Filter, RecordStep, Rewriter

    doc = inspect.cleandoc(cls.__doc__ or "")
    body = doc.split("\n", 1)[1].strip() if "\n" in doc else ""
    kind = ("filter" if issubclass(cls, Filter) else "rewriter" if issubclass(cls, Rewriter)
            else "per-record step" if issubclass(cls, RecordStep) else "stream step")
    lines = [f"## `{name}`", "", summary(cls) or "*(no docstring)*", ""]
    if body:
        lines += [body, ""]
    lines += [f"*{kind}* · `{cls.__module__}.{cls.__qualname__}`", ""]
    params = [p for p in inspect.signature(cls.__init__).parameters.values()
              if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if params:
        from selfreflect.params import bounds, hints

        types = hints(cls)
        lines += ["| parameter | default | allowed |", "|---|---|---|"]
        lines += [f"| `{p.name}` | {_md(_default(p.default))} | "
                  f"{_md(bounds(types.get(p.name), p.name) or '')} |" for p in params]
        lines.append("")
    reasons: dict[str, str] = getattr(cls, "reasons", {}) or {}
    if reasons:
        lines += ["| reason code | meaning |", "|---|---|"]
        lines += [f"| `{code}` | {_md(meaning)} |" for code, meaning in sorted(reasons.items())]
        lines.append("")
    return "\n".join(lines)


def catalogue_markdown(steps: dict[str, type] | None = None) -> str:
    """The whole catalogue page; ``steps`` defaults to everything the registry finds."""
    if steps is None:
        from selfreflect.registry import available

        steps = available()
    head = [
        "# Step catalogue",
        "",
        "Generated from the registry when the site is built: every step installed under the",
        "entry-point group `selfreflect.steps`, built-in or plugin, with its docstring, its",
        "parameters (the keys a recipe accepts) and the reason codes it writes to rejects.",
        "",
    ]
    if not steps:
        head += ["*No step is registered in this installation.*", ""]
        return "\n".join(head)
    head += ["| step | what it does |", "|---|---|"]
    head += [f"| [`{n}`](#{n}) | {_md(_summary(c))} |" for n, c in steps.items()]
    head.append("")
    return "\n".join(head + [step_section(n, c) for n, c in steps.items()])


def _summary(cls: type) -> str:
    from selfreflect.registry import summary

    return summary(cls)


def on_files(files: Any, config: Any) -> Any:
    """mkdocs hook: add the generated catalogue page to the site."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=catalogue_markdown()))
    return files


if __name__ == "__main__":
    print(catalogue_markdown())
