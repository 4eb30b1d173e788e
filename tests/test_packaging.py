"""`pip install .` carries every module of the portal: packages are found, not listed."""

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent
LEFT_OUT = {"tests", "benchmarks", "scripts", "docs"}


def test_every_package_of_the_portal_is_found_for_installation():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    find = config["tool"]["setuptools"]["packages"]["find"]
    found = set(find_packages(where=str(ROOT), include=find["include"], exclude=find["exclude"]))
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in ROOT.glob("**/__init__.py")
        # a top-level folder is a package only with its own __init__.py (not build/, .venv/)
        if (ROOT / init.relative_to(ROOT).parts[0] / "__init__.py").exists()
        and init.relative_to(ROOT).parts[0] not in LEFT_OUT
    }
    assert found == on_disk
    # The ones a hand-written list once missed.
    assert {"issues.templatetags", "reports.management.commands", "workbench"} <= found
    assert not found & LEFT_OUT
