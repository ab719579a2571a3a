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
