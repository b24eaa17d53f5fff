"""Load an older copy of a module from a file, so a bench can time old and new code in one process."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def load_old_module(path: Path, name: str) -> ModuleType:
    """The module at ``path`` (e.g. main's storage.py saved with ``git show``), imported as ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
