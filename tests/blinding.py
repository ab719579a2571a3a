"""The attack of issue 18 ("An index that an attacker can blind"), as an attacker would run it.

The MinHash seed is public, so anyone can compute, for a target text X, which of its shingles
give X's minimum at each signature position, hence at each LSH band. A short document holding
those few shingles of one band (and filler) lands in X's bucket of that band; ``max_bucket``
such documents per band fill every bucket X will use, none of them a near-duplicate of anything.
X is then filed under none of its band keys.
"""

from __future__ import annotations

import random

import numpy as np

from dedup import Deduplicator, _kernels
from dedup.shingle import Shingler, encode_batch

VOWELS = "aeiou"


def words(rng: random.Random, n: int, consonants: str) -> str:
    """``n`` pronounceable lowercase words (letters that normalization leaves alone)."""
    return " ".join(
        "".join(rng.choice(consonants) + rng.choice(VOWELS) for _ in range(rng.randint(2, 4))) for _ in range(n)
    )


def target(seed: int = 18, n: int = 110) -> str:
    """A text of about 600 characters, of other letters than the filler."""
    return words(random.Random(seed), n, "bcdfghlmnprst")


def craft(engine: Deduplicator, bands: int, rows: int, text: str, per_band: int, seed: int = 0) -> list[str]:
    """``per_band`` documents per LSH band whose ``rows`` signature values of that band are ``text``'s.

    Each holds the words of ``text`` around the shingles that give its minima at the band's
    positions, between filler words (about 100 characters in all); candidates whose filler
    would beat a minimum are drawn again. Needs nothing but the public parameters: ``engine`` signs as the index does.
    """
    if engine.params.shingle != "char":
        raise ValueError("crafted for character shingles")
    prep = engine.prepare(text)
    sig = engine.sign_prepared([prep])[0][0]
    # The shingles as the signing code makes them (public code): windows of the text's words joined by
    # single spaces, hashed in order (one hash per window, repeats included), each mapped by the permutations.
    joined = " ".join(Shingler.words(prep))
    k = engine.params.ngram
    hashes = _kernels.shingle_one(encode_batch([joined])[0], engine.shingler.kind_code, k)
    one = engine.minhasher.sign_hashes([[h] for h in hashes.tolist()])  # each shingle alone
    if len(hashes) != len(joined) - k + 1 or not (one.min(axis=0) == sig).all():
        raise AssertionError("the windows of the prepared text are not the shingles it was signed from")
    rng = random.Random(seed)
    out: list[str] = []
    for b in range(bands):
        pos = np.arange(b * rows, (b + 1) * rows)
        # the words around each minimum's window (a window cut out mid-word would make other windows,
        # which could beat the minima), merged where they overlap
        spans: list[list[int]] = []
        for i in sorted({int(one[:, p].argmin()) for p in pos.tolist()}):
            lo, hi = joined.rfind(" ", 0, i + 1) + 1, joined.find(" ", i + k - 1)
            hi = len(joined) if hi < 0 else hi
            if spans and lo <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], hi)
            else:
                spans.append([lo, hi])
        pieces = [joined[lo:hi] for lo, hi in spans]
        got = 0
        while got < per_band:
            cands = []
            for _ in range(2 * per_band):
                parts = []
                for piece in pieces:
                    parts += [words(rng, rng.randint(2, 3), "kqvwxyz"), piece]
                parts.append(words(rng, rng.randint(2, 4), "kqvwxyz"))
                cands.append(" ".join(parts))
            sigs = engine.sign_prepared(engine.prepare_many(cands))[0]
            for doc, s in zip(cands, sigs):
                if got < per_band and (s[pos] == sig[pos]).all():
                    out.append(doc)
                    got += 1
    return out
