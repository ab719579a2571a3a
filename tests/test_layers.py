"""The layering rule of docs/architecture.md: a dedup module imports only from its own layer or the layers below.

The core (layers 0-6) never imports the I/O layer, the adapters or the command line. The known exceptions
are listed in ``EXCEPTIONS``; the test also fails when one of them is gone, so that the list (and the document)
stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

DEDUP = Path(__file__).resolve().parent.parent / "dedup"

#: Layer of each top-level module or subpackage of dedup (docs/architecture.md, "What may import what").
LAYERS = {
    "errors": 0, "_core": 0, "_lazy": 0, "_report_limits": 0, "_batching": 0,
    "_kernels": 1,
    "normalize": 2, "shingle": 2, "minhash": 2, "numbers": 2, "align": 2, "lsh": 2,
    "params": 3, "verify": 3, "cluster": 3, "texts": 3,
    "deduplicator": 4, "explanation": 4,
    "store": 5,
    "index": 6,
    "formats": 7, "io": 7, "writeback": 7, "progress": 7,
    "spark": 8, "frames": 8, "report": 8,
    "cli": 9, "_entry": 9, "__main__": 9, "__init__": 9,
}

#: Imports against the rule, each with the reason it is still there.
EXCEPTIONS: set[tuple[str, str]] = set()


def _unit(path: Path) -> str:
    """The top-level module or subpackage of dedup a file belongs to (``__init__`` for dedup/__init__.py)."""
    return path.relative_to(DEDUP).parts[0].removesuffix(".py").removesuffix(".pyi")


def _imports(path: Path) -> set[str]:
    """The dedup units a file imports: its relative imports resolved (``from . import x`` names the unit ``x``)."""
    parts = ["dedup", *path.relative_to(DEDUP).with_suffix("").parts]
    package = parts[:-1]  # the package the file is in (for __init__.py: the package itself)
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package[: len(package) - (node.level - 1)]
        names = [base + node.module.split(".")] if node.module else [base + [a.name] for a in node.names]
        out |= {n[1] for n in names if len(n) > 1}
    return out


def _edges() -> set[tuple[str, str]]:
    edges = set()
    for path in sorted(DEDUP.rglob("*.py")):
        unit = _unit(path)
        edges |= {(unit, dep) for dep in _imports(path) if dep not in (unit, "__version__")}
    return edges


def test_every_module_has_a_layer() -> None:
    units = {_unit(p) for p in DEDUP.rglob("*.py")} | {_unit(p) for p in DEDUP.glob("*.pyi")}
    assert units <= set(LAYERS), f"give these a layer in LAYERS and docs/architecture.md: {sorted(units - set(LAYERS))}"


def test_imports_follow_the_layers() -> None:
    against = {(a, b) for a, b in _edges() if LAYERS[b] > LAYERS[a]}
    assert against - EXCEPTIONS == set(), "imports from a higher layer (see docs/architecture.md)"
    assert EXCEPTIONS - against == set(), "an exception is gone: remove it from EXCEPTIONS and docs/architecture.md"


def test_the_layers_see_real_imports() -> None:
    edges = _edges()
    assert ("deduplicator", "lsh") in edges and ("index", "store") in edges and ("cli", "deduplicator") in edges
    assert ("spark", "verify") in edges and ("store", "_kernels") in edges
