"""``docs/security.md`` maps each property of SECURITY.md 1-17 to the tests that prove
it; the tests named ``test_security_<N>_…`` and that map must agree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
MAP = PACKAGE.parent / "docs" / "security.md"
NAME = re.compile(r"^test_security_(\d+)_")
# `app/tests/test_x.py::test_name`, and `::test_other` after it in the same cell.
REFERENCE = re.compile(r"`(?:(?P<path>[\w/]+\.py))?::(?P<name>test_\w+)`")


def defined_tests() -> dict[str, set[str]]:
    """Every test function of the package, by file relative to the package."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")
        }
        found[path.relative_to(PACKAGE).as_posix()] = names
    return found


def mapped_tests() -> dict[int, set[tuple[str, str]]]:
    """The table of docs/security.md: property → (file, test) pairs."""
    rows: dict[int, set[tuple[str, str]]] = {}
    for line in MAP.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| (\d+) \|", line)
        if not match:
            continue
        pairs: set[tuple[str, str]] = set()
        path = ""
        for reference in REFERENCE.finditer(line):
            path = reference["path"] or path
            pairs.add((path, reference["name"]))
        rows[int(match[1])] = pairs
    return rows


def test_every_property_from_1_to_17_has_a_test_named_after_it():
    numbered = {
        int(match[1])
        for names in defined_tests().values()
        for name in names
        if (match := NAME.match(name))
    }
    assert set(range(1, 18)) - numbered == set()


def test_the_map_names_only_tests_that_exist():
    defined = defined_tests()
    missing = [
        f"{path}::{name}"
        for pairs in mapped_tests().values()
        for path, name in pairs
        if name not in defined.get(path, set())
    ]
    assert missing == []


def test_every_security_test_is_in_the_map_under_its_property():
    listed = {(n, path, name) for n, pairs in mapped_tests().items() for path, name in pairs}
    unlisted = [
        f"{path}::{name}"
        for path, names in defined_tests().items()
        for name in names
        if (match := NAME.match(name)) and (int(match[1]), path, name) not in listed
    ]
    assert unlisted == []
