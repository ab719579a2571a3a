"""Deduplicator follows scikit-learn's estimator conventions: an explicit __init__, get_params/set_params,
fit_predict that starts fresh; dedup.cluster refuses a single string."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import dedup
from dedup import Deduplicator, Params
from dedup.errors import ConfigError, InputError

TEXTS = ["Markets rally on rate cut, stocks climb to a record high.", "MARKETS RALLY on rate cut, stocks climb to a record high!",
         "Rain is expected tomorrow in the north of the country."]


def test_init_signature_lists_every_parameter():
    sig = inspect.signature(Deduplicator.__init__)
    names = [p for p in sig.parameters if p not in ("self", "unknown")]
    assert names == [*Params.names(), "n_jobs", "batch_size"]
    # no *args (scikit-learn's rule); **unknown only turns a typo into a ConfigError listing the names
    assert [p.kind for p in sig.parameters.values()].count(inspect.Parameter.VAR_POSITIONAL) == 0
    assert all(sig.parameters[n].kind is inspect.Parameter.KEYWORD_ONLY for n in names)
    assert {n: sig.parameters[n].default for n in Params.names()} == Params().to_dict()
    with pytest.raises(ConfigError, match="unknown parameter.*thresold; known: threshold"):
        Deduplicator(thresold=0.5)


def test_get_and_set_params():
    d = Deduplicator(threshold=0.5, n_jobs=1)
    p = d.get_params()
    assert p == {**Params(threshold=0.5).to_dict(), "n_jobs": 1, "batch_size": 512}
    assert Deduplicator(**p).get_params() == p  # scikit-learn's clone
    d.add_many(enumerate(TEXTS))
    assert d.set_params(threshold=0.6, shingle="word", ngram=3) is d
    assert d.params.threshold == 0.6 and d.shingler.kind == "word" and len(d) == 0  # re-made, documents forgotten
    with pytest.raises(ConfigError, match="unknown parameter"):
        d.set_params(thresold=0.5)
    with pytest.raises(ConfigError):
        d.set_params(threshold=2.0)
    assert d.params.threshold == 0.6  # a refused change changes nothing


def test_fit_predict_starts_fresh():
    d = Deduplicator()
    first = d.fit_predict(TEXTS)
    again = d.fit_predict(TEXTS)  # raised "duplicate id" before
    np.testing.assert_array_equal(first, again)
    assert first.tolist() == [0, 0, 2] and len(d) == 3
    assert d.fit_predict(TEXTS[2:]).tolist() == [0] and d.ids == [0]
    with pytest.raises(InputError, match="single str"):
        d.fit_predict("one text")


def test_cluster_of_a_single_string_is_refused():
    with pytest.raises(InputError, match="single str .* one document per character"):
        dedup.cluster("a single string")
    with pytest.raises(InputError, match="single bytes"):
        dedup.cluster(b"bytes")
    assert dedup.cluster(["a single string"]).tolist() == [0]


def test_sklearn_clone():
    base = pytest.importorskip("sklearn.base")
    d = Deduplicator(threshold=0.55, shingle="word", ngram=3)
    d.fit_predict(TEXTS)
    c = base.clone(d)
    assert c is not d and c.get_params() == d.get_params() and len(c) == 0
    assert c.fit_predict(TEXTS).tolist() == d.fit_predict(TEXTS).tolist()
