"""The demo street lives in the ``demo`` app alone: no production module imports it, and no
production app holds demo code of its own (a ``demo`` module, the ``seed_demo`` command)."""

import ast
import pkgutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Everything else that is a package at the top of the tree is production code.
NOT_PRODUCTION = {"demo", "tests", "benchmarks"}


def demo_imports(source: str) -> list[int]:
    """The lines of ``source`` that import the demo app: ``import demo[.x]``,
    ``from demo[.x] import y``, or ``import_module("demo[.x]")`` with a literal name."""

    def is_demo(name: str | None) -> bool:
        return name is not None and (name == "demo" or name.startswith("demo."))

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found = any(is_demo(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found = node.level == 0 and is_demo(node.module)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            found = (
                called in ("import_module", "__import__")
                and bool(node.args)
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and is_demo(node.args[0].value)
            )
        else:
            continue
        if found:
            lines.append(node.lineno)
    return sorted(lines)


def production_files() -> list[Path]:
    packages = [
        module.name
        for module in pkgutil.iter_modules([str(ROOT)])
        if module.ispkg and module.name not in NOT_PRODUCTION
    ]
    return sorted(path for name in packages for path in (ROOT / name).rglob("*.py"))


def test_the_checker_finds_every_way_of_importing_the_demo():
    source = "\n".join(
        [
            "from rivers.models import Region",  # 1
            "from demo import street",  # 2
            "from demo.street import build_demo",  # 3
            "import demo",  # 4
            "import os, demo.patrols as p",  # 5
            "def f():",  # 6
            "    from demo.issues import CASEBOOK",  # 7
            "importlib.import_module('demo.street')",  # 8
            "import_module('rivers.services')",  # 9
            "from demography import x",  # 10
            "from .demo import y",  # 11: a module of the importing package, not the app
            "import demos",  # 12
        ]
    )
    assert demo_imports(source) == [2, 3, 4, 5, 7, 8]


def test_the_checker_reads_a_production_module_that_imports_the_demo():
    # What rivers/services.py would be if it reached up for the demo's builder.
    source = '"""Roster services."""\n\nfrom demo import build_demo\n'
    assert demo_imports(source) == [3]


def test_the_walk_covers_the_production_apps_and_not_the_demo():
    tops = {path.relative_to(ROOT).parts[0] for path in production_files()}
    assert {"config", "core", "accounts", "rivers", "patrols", "issues", "reports"} <= tops
    assert tops.isdisjoint(NOT_PRODUCTION)


def test_no_production_module_imports_the_demo():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in production_files()
        if (lines := demo_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_no_production_app_holds_demo_code_of_its_own():
    found = [
        str(path.relative_to(ROOT))
        for path in production_files()
        if path.stem in ("demo", "seed_demo") or "demo" in path.parent.relative_to(ROOT).parts
    ]
    assert found == []
