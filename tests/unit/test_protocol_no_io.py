"""The protocol package does no I/O: it imports no I/O or clock module, directly or at runtime.

Also checks the package's public surface: ``__all__`` lists resolve, and every dataclass is frozen
and slotted.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import trioconnect.protocol as protocol

PACKAGE_DIR = Path(protocol.__file__).parent
SRC_DIR = PACKAGE_DIR.parent.parent
MODULES = sorted(p.stem for p in PACKAGE_DIR.glob("*.py"))

#: Top-level modules protocol code must never import.
FORBIDDEN = {
    "trio",
    "trio_websocket",
    "httpx",
    "httpcore",
    "anyio",
    "asyncio",
    "socket",
    "ssl",
    "select",
    "selectors",
    "time",
    "botocore",
    "boto3",
    "wsproto",
    "h11",
    "hypercorn",
    "threading",
    "subprocess",
    "urllib",
    "http",
}
#: Everything protocol code may import (standard library modules that do no I/O, and itself).
ALLOWED = {
    "__future__",
    "bisect",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "itertools",
    "json",
    "math",
    "posixpath",
    "random",
    "types",
    "typing",
    "trioconnect.errors",
    "trioconnect.protocol",
}


def imported_modules(source: str, package: str = "trioconnect.protocol") -> set[str]:
    """Every module a source file imports, including importlib/__import__ calls with literals."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                found.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                found.add(node.module)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"import_module", "__import__"} and node.args:
                arg = node.args[0]
                literal = arg.value if isinstance(arg, ast.Constant) else None
                found.add(literal if isinstance(literal, str) else "<dynamic>")
    return found


def violations(modules: set[str]) -> set[str]:
    bad = set()
    for module in modules:
        top = module.split(".")[0]
        allowed = any(module == a or module.startswith(a + ".") for a in ALLOWED)
        if top in FORBIDDEN or not allowed:
            bad.add(module)
    return bad


@pytest.mark.parametrize("module", MODULES)
def test_protocol_module_imports_nothing_forbidden(module: str) -> None:
    source = (PACKAGE_DIR / f"{module}.py").read_text(encoding="utf-8")
    assert violations(imported_modules(source)) == set()


@pytest.mark.parametrize(
    "source",
    [
        "import trio",
        "import trio.testing",
        "from trio import sleep",
        "import httpx",
        "import asyncio",
        "import socket",
        "import time",
        "from time import monotonic",
        "import botocore.session",
        "from trioconnect.session import ChatSession",
        "import importlib\nimportlib.import_module('trio')",
        "__import__('socket')",
        "import importlib\nname = 'trio'\nimportlib.import_module(name)",
        "def f():\n    import time\n    return time.time()",
    ],
)
def test_the_checker_catches_forbidden_imports(source: str) -> None:
    assert violations(imported_modules(source))


def test_the_checker_accepts_allowed_imports() -> None:
    source = (
        "from __future__ import annotations\nimport json\nfrom collections.abc import Mapping\n"
        "from . import items\nfrom .events import Event\nfrom trioconnect.errors import X\n"
    )
    assert violations(imported_modules(source)) == set()


def test_importing_protocol_loads_no_io_library() -> None:
    # Load trioconnect.protocol without running trioconnect/__init__.py (which may grow imports
    # of the I/O layers), then list what got imported.
    script = f"""
import json, sys, types
pkg = types.ModuleType("trioconnect")
pkg.__path__ = [{str(PACKAGE_DIR.parent)!r}]
sys.modules["trioconnect"] = pkg
before = set(sys.modules)
import trioconnect.protocol
print(json.dumps(sorted(set(sys.modules) - before)))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = {name.split(".")[0] for name in json.loads(out.stdout)}
    assert "trioconnect" in loaded
    assert loaded & (FORBIDDEN - {"time"}) == set()  # time is preloaded by the interpreter


def test_package_all_resolves_and_is_complete() -> None:
    for name in protocol.__all__:
        assert hasattr(protocol, name), name
    assert len(set(protocol.__all__)) == len(protocol.__all__)
    for module in MODULES:
        if module == "__init__":
            continue
        mod = importlib.import_module(f"trioconnect.protocol.{module}")
        for name in mod.__all__:
            assert hasattr(mod, name), f"{module}.{name}"
        defined = {
            name
            for name, obj in vars(mod).items()
            if not name.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and getattr(obj, "__module__", None) == mod.__name__
        }
        assert defined <= set(mod.__all__), f"{module} does not export {defined - set(mod.__all__)}"


def test_every_dataclass_is_frozen_and_slotted() -> None:
    for module in MODULES:
        mod = importlib.import_module(f"trioconnect.protocol.{module}")
        for name, obj in vars(mod).items():
            if (
                inspect.isclass(obj)
                and dataclasses.is_dataclass(obj)
                and obj.__module__ == mod.__name__
            ):
                assert obj.__dataclass_params__.frozen, name  # type: ignore[attr-defined]
                assert "__slots__" in vars(obj), name
