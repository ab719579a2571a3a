"""The Rust crates keep one module per concept: no hand-written ``.rs`` file under rust/ is over 400 lines.

Generated tables are exempt: the ``tables.rs`` files whose first line says "generated; do not edit" and
that name the script in rust/tools/ that writes them. A module that outgrows the limit is split by concept
(docs/architecture.md, "The Rust core").
"""

from __future__ import annotations

import re
from pathlib import Path

RUST = Path(__file__).resolve().parent.parent / "rust"

#: The most lines a hand-written Rust module may have.
MAX_LINES = 400


def _sources() -> list[Path]:
    """The ``.rs`` files of the crates (build output, ``target*`` directories, left out)."""
    return sorted(p for p in RUST.rglob("*.rs") if not any(part.startswith("target") for part in p.relative_to(RUST).parts))


def _generator(path: Path) -> Path | None:
    """The script that writes ``path``, when it is a generated table (``tables.rs`` marked so), else None."""
    if path.name != "tables.rs":
        return None
    head = path.read_text(encoding="utf-8").splitlines()[:5]
    if not head or "generated; do not edit" not in head[0]:
        return None
    named = re.search(r"`(rust/tools/[\w.]+\.py)`", "\n".join(head))
    return RUST.parent / named.group(1) if named else None


def test_no_hand_written_rust_module_is_over_the_limit() -> None:
    over = {}
    for path in _sources():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and _generator(path) is None:
            over[path.relative_to(RUST).as_posix()] = lines
    assert not over, f"split these by concept (one module per concept, at most {MAX_LINES} lines): {over}"


def test_the_exempt_tables_are_generated_by_a_script_that_exists() -> None:
    tables = [p for p in _sources() if p.name == "tables.rs"]
    assert tables, "no generated tables found: has rust/ moved?"
    for path in tables:
        script = _generator(path)
        assert script is not None, f"{path.relative_to(RUST)} does not say it is generated, and by which script"
        assert script.is_file(), f"{path.relative_to(RUST)} names {script}, which does not exist"


def test_the_rule_sees_both_crates() -> None:
    names = {p.relative_to(RUST).as_posix() for p in _sources()}
    assert {"core/src/lib.rs", "python/src/lib.rs", "core/src/align/levenshtein/mod.rs"} <= names
