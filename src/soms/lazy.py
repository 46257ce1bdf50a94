"""Modules loaded on first use: the numerics (NumPy, SciPy) cost seconds to import, and a command or
page that never computes must not pay for them because some module it imports *could* compute."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    """Stands for a module until an attribute is asked of it, then imports it and answers from it.

    Not `importlib.util.LazyLoader`: on Python before 3.12.3 (CPython issue gh-114763) it lets a
    second thread read the module while the first is still running its code, so two requests that
    reach a fresh gthread worker together got `AttributeError: module … has no attribute
    'plan_read'` (a 500). `importlib.import_module` holds the module's import lock: a thread that
    asks while another imports waits for the finished module."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_deferred_module"] = None

    def __getattr__(self, attr: str) -> Any:
        # Only called for what this stand-in does not hold itself.
        module = self.__dict__["_deferred_module"]
        if module is None:
            module = importlib.import_module(self.__name__)
            self.__dict__["_deferred_module"] = module
        return getattr(module, attr)


def lazy_module(name: str) -> ModuleType:
    """`name` as a module object whose code runs at its first attribute access."""
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:
        raise ImportError(f"No module named {name!r}")
    return _Deferred(name)
