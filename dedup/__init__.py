"""dedup: find near-duplicate documents and group news reprints.

text -> normalize -> shingle -> MinHash signature -> LSH candidates -> verify -> clusters

>>> import dedup
>>> dedup.cluster(["Breaking: markets rally on rate cut.", "BREAKING - Markets rally on rate cut!", "Weather: rain."])
array([0, 0, 2])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cluster import Clustering
from .deduplicator import Deduplicator, Params, cluster, deduplicate
from .errors import ConfigError, DedupError, InputError
from .explain import Explanation, explain
from .lsh import LSH, optimal_bands
from .minhash import MinHasher, jaccard
from .normalize import Normalizer, normalize
from .shingle import Shingler

if TYPE_CHECKING:
    from .index import Index, Match
    from .report import ReportSummary, write_report

__version__ = "0.1.0"

# The persistent index (SQLite), the review report and the Spark engine are imported when first used:
# `import dedup` stays quick, and `dedup.spark` works after a plain `import dedup`. explain is not lazy:
# its module has the function's name, so importing the module (dedup report does) would replace the function.
_LAZY = {"Index": "index", "Match": "index", "ReportSummary": "report", "write_report": "report"}
_SUBMODULES = ("frames", "spark")


def __getattr__(name: str) -> Any:
    import importlib

    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
        globals()[name] = value
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dedup' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


__all__ = [
    "Clustering",
    "ConfigError",
    "DedupError",
    "Deduplicator",
    "Explanation",
    "Index",
    "InputError",
    "LSH",
    "Match",
    "MinHasher",
    "Normalizer",
    "Params",
    "ReportSummary",
    "Shingler",
    "cluster",
    "deduplicate",
    "explain",
    "jaccard",
    "normalize",
    "optimal_bands",
    "write_report",
]
