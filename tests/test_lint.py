"""The code base passes ``ruff check`` and ``mypy`` with the project's settings (``[tool.ruff]``, ``[tool.mypy]`` in
pyproject.toml), keeps private names private and its functions and classes small."""

import ast
import io
import shutil
import subprocess
import sys
import tokenize
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


#: The size limits of docs/architecture.md ("small modules, one job each"), in code lines: docstrings,
#: comments and blank lines are not counted; a nested function counts in the function it is in.
MAX_FUNCTION_LINES = 50
MAX_CLASS_LINES = 250


def _code_lines(source: str) -> tuple[ast.Module, set[int]]:
    """The parsed ``source`` and the numbers of its lines that hold code (a token other than a comment, and
    not part of a docstring: a module's, a class's or a function's first statement when it is a string)."""
    layout = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
              tokenize.ENDMARKER}
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in layout:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                lines -= set(range(first.lineno, first.end_lineno + 1))
    return tree, lines


def test_code_lines_skip_docstrings_comments_and_blanks() -> None:
    source = 'def f(x):\n    """Doc,\n    two lines."""\n\n    # a comment\n    y = (x +\n         1)\n    return y\n'
    _, lines = _code_lines(source)
    assert lines == {1, 6, 7, 8}


def test_functions_and_classes_are_small() -> None:
    """No function in dedup/ over ``MAX_FUNCTION_LINES`` code lines, no class over ``MAX_CLASS_LINES``."""
    found = []
    for path in sorted((ROOT / "dedup").rglob("*.py")):
        tree, lines = _code_lines(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
                size = len(lines & set(range(node.lineno, node.end_lineno + 1)))
                if size > limit:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {size} code lines (limit {limit})")
    assert not found, "split these into steps that each do one job:\n" + "\n".join(found)
