"""The README's layering picture is the import contract `make test` checks, layer for layer."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_layers() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### How the code is layered") :]
    picture = section.split("```")[1]
    # Each line: the layer, then two or more spaces, then what it holds.
    return [re.split(r"\s{2,}", line.strip())[0] for line in picture.strip().splitlines()]


def test_the_readme_picture_lists_the_contracts_layers_in_order():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    assert _readme_layers() == layers
    # The bottom is core, which imports no app of ours; the demo is above everything.
    assert layers[-1] == "core"
    assert layers[0] == "config | demo"
