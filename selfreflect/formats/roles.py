"""Role names as found in the wild, and the role each one maps to.

Only the names in :data:`ROLE_ALIASES` are mapped; any other role (``robot``, ``assistnat``)
is rejected with reason ``unknown_role``, never guessed.
"""

from __future__ import annotations

#: Input role name (lower-cased) -> selfreflect role. Documented; nothing else is mapped.
ROLE_ALIASES: dict[str, str] = {
    # the roles themselves
    "system": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    # OpenAI's newer name for the system prompt, and its legacy function-result role
    "developer": "system",
    "function": "tool",
    # ShareGPT and its descendants (FastChat, LLaMA-Factory, Axolotl)
    "human": "user",
    "gpt": "assistant",
    "bot": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",  # ShareGPT V3: Bing Chat turns
    "bard": "assistant",  # ShareGPT V3: Bard turns
    "function_call": "assistant",
    "observation": "tool",
}


def map_role(name: object) -> str | None:
    """The selfreflect role for an input role name, or None when it is not a known alias."""
    if not isinstance(name, str):
        return None
    found = ROLE_ALIASES.get(name)
    return found if found is not None else ROLE_ALIASES.get(name.strip().lower())
