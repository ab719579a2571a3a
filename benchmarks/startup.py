"""Start-up cost of dedup (``--only startup``): each command in a fresh process, medians of several runs.

Commands (:func:`commands`): ``python -c "pass"`` (the interpreter alone, for reference),
``python -c "import dedup"``, the same with a first :class:`dedup.Deduplicator` (``import dedup``
defers its modules to first use, so this is the cost a script pays before its first document)
and ``dedup cluster seeds/`` (the console script next to this
interpreter, on the five seed articles in the repository), run from the repository root.

Modes (:data:`MODES`):

* ``warm`` -- this environment, after one untimed run of each command;
* ``first_run`` -- as the first run after installing: every run gets a new, empty
  ``HOME`` with the XDG cache, config, data and state folders (and ``NUMBA_CACHE_DIR``)
  inside it, so no cache a library keeps there survives from an earlier run;
* ``no_bytecode`` -- ``first_run`` and also a new, empty ``PYTHONPYCACHEPREFIX``, so every
  module is compiled from source (as after ``pip install --no-compile`` or on a read-only
  install without ``.pyc`` files): the worst start.

Runs are interleaved (repeat ``r`` runs every mode and command once). The operating
system's file cache is not dropped (that needs root and slows a shared machine), so
"first run" here is the first run with warm disks. Wall time only: a child's
``ru_maxrss`` includes the parent's size at fork time on Linux, and the commands are
run exactly as typed, without the benchmark's peak-memory hook.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import datasets, speed

__all__ = ["MODES", "commands", "run"]

MODES: dict[str, str] = {
    "warm": "this environment, after one untimed run",
    "first_run": "first run after install: a new empty HOME (XDG cache/config/data/state and NUMBA_CACHE_DIR inside it) per run",
    "no_bytecode": "first run and a new empty PYTHONPYCACHEPREFIX per run: every module compiled from source",
}
_CACHE_VARS = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "NUMBA_CACHE_DIR")


def _dedup_cli() -> tuple[list[str], str]:
    """The ``dedup`` console script beside this interpreter, else ``python -m dedup``; and how it is shown."""
    script = Path(sys.executable).parent / ("dedup.exe" if os.name == "nt" else "dedup")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)], "dedup"
    return [sys.executable, "-m", "dedup"], "python -m dedup"


def commands() -> dict[str, dict[str, Any]]:
    """``{name: {"argv", "display"}}`` of the measured commands."""
    cli, shown = _dedup_cli()
    return {
        "python": {"argv": [sys.executable, "-c", "pass"], "display": 'python -c "pass"'},
        "import": {"argv": [sys.executable, "-c", "import dedup"], "display": 'python -c "import dedup"'},
        # `import dedup` defers its modules to first use: this is what a script pays before its first document.
        "import_engine": {"argv": [sys.executable, "-c", "import dedup; dedup.Deduplicator()"],
                          "display": 'python -c "import dedup; dedup.Deduplicator()"'},
        "cluster_seeds": {"argv": [*cli, "cluster", "seeds/"], "display": f"{shown} cluster seeds/"},
    }


def _env(base: dict[str, str], mode: str, scratch: Path) -> dict[str, str]:
    env = dict(base)
    if mode == "warm":
        return env
    home = Path(tempfile.mkdtemp(prefix="home-", dir=scratch))
    env["HOME"] = str(home)
    for var, sub in zip(_CACHE_VARS, (".cache", ".config", ".local/share", ".local/state", ".cache/numba")):
        env[var] = str(home / sub)
    if mode == "no_bytecode":
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="pycache-", dir=scratch)
    else:
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def _base_env() -> tuple[dict[str, str], str | None]:
    """This environment; with the repository on ``PYTHONPATH`` only when dedup is not importable without it."""
    env = dict(os.environ)
    env.pop(speed._HWM_ENV, None)
    # As installed by pip, modules have their bytecode: a shell that forbids writing it would time compiling
    # every edited module in the warm and first-run modes (the no-bytecode mode measures that on purpose).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    probe = subprocess.run([sys.executable, "-c", "import dedup"], cwd=datasets.REPO_ROOT, env=env,
                           capture_output=True, check=False)
    if probe.returncode == 0:
        return env, None
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(datasets.REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env, "dedup is not installed in this interpreter: the start-up runs put the repository on PYTHONPATH"


def _passthrough(items: Iterable[Any], **_: Any) -> Iterable[Any]:
    return items


def run(repeats: int = 10, progress: Callable[..., Any] = _passthrough, modes: Iterable[str] = tuple(MODES)) -> dict[str, Any]:
    """The start-up part; a JSON-ready dict (see :mod:`benchmarks.report`)."""
    t0 = time.perf_counter()
    modes = tuple(modes)
    notes: list[str] = []
    errors: list[dict[str, str]] = []
    cmds = commands()
    runs: dict[tuple[str, str], list[float]] = {(c, m): [] for m in modes for c in cmds}
    failed: set[tuple[str, str]] = set()
    scratch = Path(tempfile.mkdtemp(prefix="dedup-startup-"))
    try:
        base, note = _base_env()
        if note:
            notes.append(note)
        if not (datasets.REPO_ROOT / "seeds").is_dir():
            raise FileNotFoundError(f"{datasets.REPO_ROOT / 'seeds'} is missing")

        def one(cmd: str, mode: str, timed: bool) -> None:
            if (cmd, mode) in failed:
                return
            child = speed._spawn(cmds[cmd]["argv"], datasets.REPO_ROOT, None, env=_env(base, mode, scratch))
            if child.returncode != 0:
                failed.add((cmd, mode))
                tail = child.stderr.strip().splitlines()
                errors.append({"where": f"startup {cmd} / {mode}", "error": tail[-1] if tail else f"exit {child.returncode}",
                               "traceback": "\n".join(tail[-15:])})
            elif timed:
                runs[(cmd, mode)].append(child.wall)

        jobs = [(f"warm-up {c}", c, "warm", False) for c in cmds] if "warm" in modes else []
        jobs += [(f"{c} {m} #{rep + 1}", c, m, True) for rep in range(repeats) for m in modes for c in cmds]
        bar = progress(jobs, desc="start-up", unit="run")
        for label, cmd, mode, timed in bar:
            if hasattr(bar, "set_postfix_str"):
                bar.set_postfix_str(label)
            one(cmd, mode, timed)
    except Exception as exc:  # noqa: BLE001 - reported, the rest of the suite goes on
        errors.append({"where": "startup", "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()})
        return {"status": "error", "notes": notes, "errors": errors, "seconds": time.perf_counter() - t0}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    rows = []
    for (cmd, mode), secs in runs.items():
        row: dict[str, Any] = {"command": cmd, "display": cmds[cmd]["display"], "mode": mode,
                               "status": "error" if (cmd, mode) in failed else "ok", "repeats": len(secs)}
        if secs:
            row.update(seconds=statistics.median(secs), min=min(secs), max=max(secs), runs=secs)
        rows.append(row)
    return {
        "status": "ok",
        "config": {"repeats": repeats, "modes": {m: MODES[m] for m in modes}, "cwd": "repository root"},
        "rows": rows,
        "notes": notes,
        "errors": errors,
        "seconds": time.perf_counter() - t0,
    }
