"""The wheel carries copies of the repository's top-level folders the package reads.

`templates/`, `styles/`, `translations/` (with each catalog compiled to .mo), `content/`
(the demo that `aftercare init` starts from) and `deploy/` (the systemd unit, the nginx
site) stay at the top of the repository, where the project keeps them; building copies them
into `generator/_data/`, where `generator.paths` finds them with importlib.resources. An
editable install (`make setup`) reads the checkout's folders directly. Everything else is in
pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("templates", "styles", "translations", "content", "deploy")
SKIP = ("__pycache__", "*.pyc", ".*")


class build_with_data(build_py):
    """build_py, then the shipped folders into generator/_data with compiled catalogs."""

    def run(self) -> None:
        if not self.editable_mode:  # a module moved or deleted must not linger from a last build
            shutil.rmtree(Path(self.build_lib) / "generator", ignore_errors=True)
        super().run()
        if self.editable_mode:  # the checkout's own folders are read in place
            return
        target = Path(self.build_lib) / "generator" / "_data"
        for name in SHIPPED:
            shutil.copytree(HERE / name, target / name, ignore=shutil.ignore_patterns(*SKIP))
        for po in sorted((target / "translations").rglob("*.po")):
            compile_catalog(po, po.with_suffix(".mo"))


def compile_catalog(po: Path, mo: Path) -> None:
    """Compile one gettext catalog (what `pybabel compile` does), fuzzy entries left out."""
    from babel.messages import mofile, pofile

    with po.open("rb") as file:
        catalog = pofile.read_po(file)
    with mo.open("wb") as file:
        mofile.write_mo(file, catalog)


setup(cmdclass={"build_py": build_with_data})
