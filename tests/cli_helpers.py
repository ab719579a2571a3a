"""Ways the tests run the ``dedup`` command line."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

from dedup.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run_process(*args: str, stdin=None, text: bool = False) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it (bytes, or str with ``text``)."""
    exe = shutil.which("dedup") or str(Path(sys.executable).parent / "dedup")
    return subprocess.run([exe, *args], input=stdin, capture_output=True, text=text, cwd=ROOT)


def run_inproc(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """``dedup.cli.main`` in this process (no interpreter start-up), with byte-level standard streams.

    An exception escaping ``main`` propagates: that is the traceback a user would see.
    """
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.BytesIO(stdin or b"")), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    try:
        code = main(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
