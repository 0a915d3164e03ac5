"""Generate the step catalogue from the steps themselves: every built-in step.

Used two ways:

- as a mkdocs hook (``hooks: [docs/gen_steps.py]`` in mkdocs.yml): the page
  ``step-catalogue.md`` is generated at build time, so it can never go stale;
- as a script: ``python docs/gen_steps.py`` prints the same Markdown.

Plugins installed where the site is built are left out: the catalogue documents selfreflect.
``selfreflect steps --verbose`` lists plugins too, with the same descriptions.
"""

from __future__ import annotations

from typing import Any

PAGE = "step-catalogue.md"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    """Inline code that survives a table cell and a backtick inside."""
    return f"`` {_md(text)} ``" if "`" in text else f"`{_md(text)}`"


def step_section(info: Any) -> str:
    """One step's entry: summary, description, kind, parameters and reason codes."""
    lines = [f"## {info.name}", "", info.summary or "*(no docstring)*", ""]
    if info.body:
        lines += [info.body, ""]
    where = "in the `default` recipe" if info.in_default else "not in the `default` recipe"
    lines += [f"*{info.kind}*, {where}.", ""]
    if info.params:
        lines += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
        for p in info.params:
            default = "*required*" if p.default is None else _code(p.default)
            lines.append(f"| `{p.name}` | {_md(p.type)} | {default} | {_md(p.meaning)} |")
        lines.append("")
    if info.reasons:
        lines += ["| reason code | meaning |", "|---|---|"]
        lines += [
            f"| `{code}` | {_md(meaning)} |" for code, meaning in sorted(info.reasons.items())
        ]
        lines.append("")
    return "\n".join(lines)


def catalogue_markdown(steps: dict[str, type] | None = None) -> str:
    """The whole catalogue page; ``steps`` defaults to every built-in step."""
    from selfreflect.describe import default_recipe_steps, describe

    if steps is None:
        from selfreflect import registry

        builtin = set(registry.builtin_names())
        steps = {n: c for n, c in registry.available().items() if n in builtin}
    head = [
        "# Step catalogue",
        "",
        "Every step that ships with selfreflect, generated from the steps themselves when the",
        "site is built: what it does, its parameters (the keys a recipe accepts, with their type,",
        "default as you would write it in YAML, and meaning) and the reason codes it writes to the",
        "rejects file. `selfreflect steps --verbose` prints the same, plugins included.",
        "",
    ]
    if not steps:
        return "\n".join([*head, "*No step is registered in this installation.*", ""])
    in_default = default_recipe_steps()
    infos = [describe(n, c, in_default) for n, c in steps.items()]
    head += ["| step | what it does | in `default` |", "|---|---|---|"]
    head += [
        f"| [{i.name}](#{i.name}) | {_md(i.summary)} | {'yes' if i.in_default else ''} |"
        for i in infos
    ]
    head.append("")
    return "\n".join(head + [step_section(i) for i in infos])


def on_files(files: Any, config: Any) -> Any:
    """mkdocs hook: add the generated catalogue page to the site."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, PAGE, content=catalogue_markdown()))
    return files


if __name__ == "__main__":
    print(catalogue_markdown())
