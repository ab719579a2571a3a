"""The code base passes ``ruff check`` with the project's settings (``[tool.ruff]`` in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_check_passes() -> None:
    pytest.importorskip("ruff")
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "the ruff package is installed but its executable is not on PATH"
    proc = subprocess.run([ruff, "check", "dedup", "benchmarks", "tests"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]


def test_mypy_passes() -> None:
    """``mypy`` with ``[tool.mypy]`` (``files = ["dedup"]``); the compiled core is typed by dedup/_core.pyi."""
    pytest.importorskip("mypy")
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]


def test_no_module_imports_another_modules_private_names() -> None:
    """Inside dedup, a ``_name`` belongs to its module: none is imported from, or read off, another module
    (``dedup._core``, ``dedup._kernels`` and ``dedup._lazy`` are private modules of the package, shared inside it)."""
    import ast

    shared = {"_core", "_kernels", "_lazy"}
    found = []
    for path in sorted((ROOT / "dedup").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level for a in n.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__") and a.name not in shared]
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                  and node.attr.startswith("_") and not node.attr.startswith("__") and node.attr not in shared):
                found.append(f"{path.name}:{node.lineno} reads {node.value.id}.{node.attr}")
    assert not found, "\n".join(found)
