"""Layering: the core never imports Streamlit, and its public names are tidy."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import journeymap

PACKAGE = Path(journeymap.__file__).resolve().parent
REPO = PACKAGE.parent
UI_MODULES = {"streamlit", "app", "pages", "components"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_core_has_python_files():
    files = list(PACKAGE.rglob("*.py"))
    assert PACKAGE / "store" / "store.py" in files
    assert len(files) >= 8


def test_no_core_file_imports_streamlit_or_the_ui():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        bad = {m for m in imported_modules(path) if m.split(".")[0] in UI_MODULES}
        if bad:
            offenders[str(path.relative_to(REPO))] = sorted(bad)
    assert offenders == {}


def test_importing_the_core_does_not_load_streamlit():
    code = "import sys, journeymap, journeymap.palette; print('streamlit' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def _isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then ClassNames, then everything else."""
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted():
    names = list(journeymap.__all__)
    assert len(names) == len(set(names))
    assert names == sorted(names, key=_isort_key)


def test_every_name_in_all_is_importable():
    module = importlib.import_module("journeymap")
    for name in journeymap.__all__:
        assert getattr(module, name) is not None, name
    namespace: dict = {}
    exec("from journeymap import *", namespace)
    assert set(journeymap.__all__) <= set(namespace)
