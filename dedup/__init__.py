"""dedup: find near-duplicate documents and group news reprints.

text -> normalize -> shingle -> MinHash signature -> LSH candidates -> verify -> clusters

>>> import dedup
>>> dedup.cluster(["Breaking: markets rally on rate cut.", "BREAKING - Markets rally on rate cut!", "Weather: rain."])
array([0, 0, 2])
"""

from .cluster import Clustering
from .deduplicator import Deduplicator, Params, cluster
from .errors import ConfigError, DedupError, InputError
from .explain import Explanation, explain
from .index import Index, Match
from .lsh import LSH, optimal_bands
from .minhash import MinHasher, jaccard
from .normalize import Normalizer, normalize
from .shingle import Shingler

__version__ = "0.1.0"

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
    "Shingler",
    "cluster",
    "explain",
    "jaccard",
    "normalize",
    "optimal_bands",
]
