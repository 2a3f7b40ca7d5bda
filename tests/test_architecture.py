"""Dependencies point one way: cli / local_run -> nightly -> quality -> the shared modules
(contract, records, ledger, settings, ...). docs/architecture.md draws the same picture.

A module importing upward (publishing reaching into the quality package for a JSON helper, a
gate reaching into a nightly step) fails here, naming the import.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "bingewatch"
TOP = {"bingewatch.cli", "bingewatch.local_run"}


def _layer(module: str) -> int:
    if module in TOP:
        return 3
    if module == "bingewatch.nightly" or module.startswith("bingewatch.nightly."):
        return 2
    if module == "bingewatch.quality" or module.startswith("bingewatch.quality."):
        return 1
    return 0


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            found += [(node.lineno, name) for name in names if name.startswith("bingewatch")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("bingewatch")]
    return found


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield path, ".".join(parts)


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for path, module in _modules():
        for line, imported in _imports(path):
            if _layer(imported) > _layer(module):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {imported}")
    assert upward == []


def test_the_contract_imports_nothing_from_the_package():
    assert _imports(PACKAGE / "contract.py") == []
