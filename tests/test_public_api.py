import types

import selfreflect


def test_public_api_is_sorted_and_complete():
    """Every public name in selfreflect is exported, and __all__ is sorted (httpx's rule)."""
    assert selfreflect.__all__ == sorted(selfreflect.__all__)
    public = {
        name for name, value in vars(selfreflect).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(selfreflect.__all__) - {"__version__"}
