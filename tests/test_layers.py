"""The package's layers only call down (docs/ARCHITECTURE.md): a module never imports one of
a higher layer, at the top of the file or inside a function."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

# Highest first. A module may import its own layer and any layer after it in this list.
LAYERS = [
    ("cli", "__main__"),
    ("commands",),
    ("web",),
    ("parallel",),
    ("record",),
    ("project",),
    ("render",),
    ("sheet",),
    ("content",),
    ("errors", "files", "paths", "i18n", "__init__"),
]


def layer_of(module: str) -> int:
    """The layer of `generator.x.y` by its first part after `generator`."""
    first = module.split(".")[1] if "." in module else "__init__"
    for index, names in enumerate(LAYERS):
        if first in names:
            return index
    raise AssertionError(f"generator.{first} is in no layer: add it to LAYERS and ARCHITECTURE")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, module: str) -> list[tuple[str, int]]:
    """Every `generator...` module `path` imports, with the line."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("generator")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name == "generator":  # `from generator import x`: x is the module
                found += [(f"generator.{a.name}", node.lineno) for a in node.names]
            elif name.startswith("generator."):
                found.append((name, node.lineno))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_its_own_layer_and_the_ones_below(path):
    module = module_name(path)
    mine = layer_of(module)
    upward = [
        f"line {line}: {name}"
        for name, line in imported(path, module)
        if name != "generator.__version__" and layer_of(name) < mine
    ]
    assert not upward, f"{module} imports a higher layer: {upward}"


def test_the_check_sees_an_upward_import(tmp_path):
    """The check itself can fail: a content module importing the web layer, relatively and
    inside a function, is caught."""
    module = tmp_path / "policy.py"
    module.write_text("def f():\n    from ..web import desk\n")
    found = imported(module, "generator.content.policy")
    assert found == [("generator.web", 2)]
    assert layer_of("generator.web") < layer_of("generator.content.policy")


def test_the_readme_layout_names_every_module():
    """README's Layout lists every module of the package by name, so a newcomer finds it."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1]
    named = set(re.findall(r"[a-z_0-9]+", layout))
    modules = {path.stem for path in MODULES if path.stem != "__init__"}
    assert sorted(modules - named) == []
