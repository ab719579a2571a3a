"""Writes tests/golden/index_v6_keys_v1.dedup: an index of key scheme lsh-band-key-xor-salt-v1 (band keys only,
schema 6), in which the attack of issue 18 has blinded a text. Run with the dedup of that scheme (commit 92caae8):

    git archive 92caae8 dedup | tar -x -C /tmp/v1 && cp dedup/_core.abi3.so /tmp/v1/dedup/
    PYTHONPATH=/tmp/v1 python tests/golden/make_index_v6_keys_v1.py tests/golden/index_v6_keys_v1.dedup

Small parameters (num_perm=16: 8 bands of 2 rows; max_bucket=2) keep the file small. Documents: 24 crafted
ones, c0..c23 (3 per band of X, all admitted), then x (X: admitted, and filed under none of its band keys),
story (another text), copy-0..copy-2 (one text added three times unchecked: copy-2 over the cap) and dots
("...", no shingles).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from blinding import craft, target  # noqa: E402

from dedup.index import KEY_SCHEME, Index  # noqa: E402

STORY = "the harbour board met on friday to discuss the new ferry timetable and the cost of dredging the channel"
COPY = "a second text that the owner of the index added three times without checking it against the others"

if __name__ == "__main__":
    assert KEY_SCHEME == "lsh-band-key-xor-salt-v1", KEY_SCHEME
    with Index.open(sys.argv[1], n_jobs=1, num_perm=16, max_bucket=2) as ix:
        assert ix.bands == (8, 2), ix.bands
        docs = craft(ix._engine, *ix.bands, target(), 3)
        assert ix.check_and_add_many([(f"c{i}", t) for i, t in enumerate(docs)]) == [None] * len(docs)
        assert ix.check_and_add("x", target()) is None and ix.check(target()) is None
        assert ix.check_and_add("story", STORY) is None
        ix.add_many([(f"copy-{i}", COPY) for i in range(3)])
        assert ix.check_and_add("dots", "...") is None
        assert ix.verify() == [], ix.verify()
