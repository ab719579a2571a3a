import numpy as np
import pytest

import dedup
from dedup import ConfigError, Deduplicator, InputError, Params


def test_seeds_cluster_as_expected(seeds):
    d = Deduplicator()
    for key, text in seeds.items():
        d.add(key, text)
    c = d.clusters()
    ids = d.ids
    cluster_of = {ids[i]: ids[label] for i, label in enumerate(c.labels.tolist())}
    assert cluster_of["000"] == cluster_of["001"]
    assert len({cluster_of[k] for k in ("000", "002", "003", "004")}) == 4
    assert c.n_clusters == 4
    assert c.similarity[0] > 0.8


def test_query_finds_reprint_and_not_others(seeds):
    d = Deduplicator()
    d.add_many([(k, v) for k, v in seeds.items() if k != "000"])
    hits = d.query(seeds["000"])
    assert [h[0] for h in hits] == ["001"]
    assert 0.8 < hits[0][1] <= 1.0
    assert d.query("Completely unrelated text about gardening and tomatoes in the spring.") == []
    d.add("000", seeds["000"])
    assert {h[0] for h in d.query(seeds["001"])} == {"000", "001"}


def test_records_as_mappings_and_pairs(seeds):
    recs = [{"id": k, "text": v} for k, v in seeds.items()]
    labels = dedup.cluster(recs)
    assert labels.tolist() == [1, 1, 2, 3, 4]
    assert dedup.cluster(list(seeds.items())).tolist() == labels.tolist()
    assert Deduplicator().fit_predict(list(seeds.values())).tolist() == labels.tolist()
    assert dedup.cluster([[k, v] for k, v in seeds.items()]).tolist() == labels.tolist()  # lists as pairs
    texts = list(seeds.values())
    with pytest.raises(InputError, match=r"item #2 is a NoneType among texts"):
        dedup.cluster(texts[:2] + [None] + texts[2:])
    with pytest.raises(InputError, match=r"item #1 is a str among records"):
        dedup.cluster([("a", "t"), "b", ("c", "u")])


def test_duplicate_ids_rejected():
    d = Deduplicator()
    d.add("a", "text one")
    with pytest.raises(InputError, match="duplicate id"):
        d.add("a", "text two")
    with pytest.raises(InputError, match="'b'"):
        d.add_many([("b", "x"), ("b", "y")])


def test_bad_records_rejected():
    d = Deduplicator()
    with pytest.raises(InputError):
        d.add("a", None)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        d.add_many([{"id": "x"}])
    with pytest.raises(InputError):
        d.add_many([["a", "b", "c"]])
    with pytest.raises(InputError):
        d.add([1], "text")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [dict(threshold=1.5), dict(threshold=0), dict(containment_threshold=0), dict(shingle="line"), dict(ngram=0),
     dict(num_perm=0), dict(lsh_threshold=1), dict(normalize="yes"), dict(bogus=1), dict(n_jobs=0)],
)
def test_parameters_validated_up_front(kwargs):
    with pytest.raises(ConfigError):
        Deduplicator(**kwargs)


def test_params_round_trip():
    p = Params(threshold=0.6)
    assert Params(**p.to_dict()) == p
    assert "threshold=0.6" in repr(Deduplicator(threshold=0.6))


def test_n_jobs_gives_identical_results(seeds):
    texts = list(seeds.values()) * 3
    a = Deduplicator(n_jobs=1).fit_predict(texts)
    b = Deduplicator(n_jobs=2).fit_predict(texts)
    assert np.array_equal(a, b)


def test_errors_are_typed():
    assert issubclass(ConfigError, ValueError) and issubclass(InputError, dedup.DedupError)
    err = InputError("bad", source="f.jsonl", line=3, doc_id="x")
    assert str(err) == "f.jsonl: line 3: id 'x': bad"


def test_threads_give_identical_results(seeds):
    """Normalizing, signing and verifying on 1 or 2 threads gives the same texts and clusters."""
    texts = [t[: 1500 + 97 * i] for i in range(4) for t in seeds.values()]
    serial = Deduplicator(n_jobs=1)
    parallel = Deduplicator(n_jobs=2)
    assert serial.prepare_many(texts) == parallel.prepare_many(texts)
    a = serial.fit_predict(texts)
    b = parallel.fit_predict(texts)
    assert np.array_equal(a, b)


def test_batches_do_not_change_results(seeds):
    """add_many in batches of 3 on 2 threads: the signatures, order and clusters of one batch on 1 thread."""
    texts = [t[: 1200 + 53 * i] for i in range(5) for t in seeds.values()]
    one = Deduplicator(n_jobs=1)
    one.add_many(enumerate(texts), batch_size=len(texts))
    many = Deduplicator(n_jobs=2)
    many.add_many(enumerate(texts), batch_size=3)
    assert many.ids == one.ids
    assert np.array_equal(many._arrays()[0], one._arrays()[0])
    assert np.array_equal(many.clusters().labels, one.clusters().labels)


def test_a_failure_while_signing_a_batch_reaches_the_caller(monkeypatch):
    # Batches are signed on a helper thread while the next is read: its errors still surface, in order.
    d = Deduplicator()
    real = Deduplicator.sign_prepared
    calls = []

    def failing(self, prepared):
        calls.append(len(prepared))
        if len(calls) == 2:
            raise MemoryError("out of memory in batch 2")
        return real(self, prepared)

    monkeypatch.setattr(Deduplicator, "sign_prepared", failing)
    with pytest.raises(MemoryError, match="batch 2"):
        d.add_many([(i, f"document number {i} with some text") for i in range(7)], batch_size=2)
    assert d.ids == [0, 1]  # the batch before the failure was added, nothing from it on


def test_bad_record_keeps_earlier_batches():
    d = Deduplicator()
    records = [(i, f"document number {i} with some text") for i in range(7)] + [(3, "a duplicate id")]
    with pytest.raises(InputError, match="duplicate id"):
        d.add_many(records, batch_size=2)
    # Every complete batch before the bad record was added; nothing after it.
    assert d.ids == list(range(6))
