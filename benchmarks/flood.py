"""A near-duplicate flood: one boilerplate paragraph repeated in every document.

Each document is three copies of one fixed paragraph plus eight words drawn at random
from a vocabulary of made-up words, so every pair of documents matches (estimated Jaccard
above 0.5, no numbers): the right clustering is one cluster. The control corpus has
documents of the same length made only of random words, so no pair matches. Both are
driven by one ``random.Random(seed)``: the same arguments give the same texts.

This is the input shape that broke clustering (issue 17): every LSH band holds one
bucket with most of the documents, so candidate generation and linkage must stay
near-linear in the number of documents.

This module must not import the ``dedup`` package.
"""

from __future__ import annotations

import random
import string

__all__ = ["BOILERPLATE", "flood_corpus", "unrelated_corpus"]

BOILERPLATE = (
    "Subscribers who wish to change their delivery address or suspend their paper while on vacation "
    "should call the circulation office during business hours, or write to the publisher at the main "
    "office, giving their old and new addresses and the dates on which delivery should stop and resume. "
    "Complaints about missed or damaged copies are handled by the same office."
)
"""The paragraph every flood document repeats (no figures, so the number rule does not apply)."""

COPIES = 3
EXTRA_WORDS = 8


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = string.ascii_lowercase
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(size)]


def flood_corpus(n: int, seed: int = 0, *, copies: int = COPIES, extra_words: int = EXTRA_WORDS) -> list[str]:
    """``n`` documents: ``copies`` copies of :data:`BOILERPLATE` and ``extra_words`` random words each."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 50_000)
    return [
        "\n\n".join([BOILERPLATE] * copies) + " " + " ".join(rng.choice(vocab) for _ in range(extra_words))
        for _ in range(n)
    ]


def unrelated_corpus(n: int, seed: int = 0, *, copies: int = COPIES, extra_words: int = EXTRA_WORDS) -> list[str]:
    """``n`` documents as long as :func:`flood_corpus`'s (in words), of random words only: no pair matches."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, 50_000)
    words = copies * len(BOILERPLATE.split()) + extra_words
    return [" ".join(rng.choice(vocab) for _ in range(words)) for _ in range(n)]
