"""The ``dedup`` command's entry point: the process settings a command line wants, then :func:`dedup.cli.main`.

dedup calls no BLAS routine, yet numpy's OpenBLAS starts a thread per core when numpy is imported, and
those threads spin for a while (about 80 ms of CPU, taken from the core's own threads on a small machine).
The command's process asks OpenBLAS for one thread, unless the user chose otherwise. This is done here,
before :mod:`dedup.cli` imports numpy, and not in the library, whose users may want BLAS threads.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    """Run the ``dedup`` command with ``sys.argv`` and return its exit status."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from .cli import main as cli_main

    return cli_main()
