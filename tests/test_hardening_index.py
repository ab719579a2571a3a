"""Hardening of dedup.Index from the attack review (issue 18): typed errors, never a raw exception."""

import pytest

from dedup.errors import InputError
from dedup.index import Index

TEXT = "The city council approved the budget for road repairs on Tuesday after a long debate about potholes."


@pytest.fixture
def index(tmp_path):
    with Index.open(tmp_path / "idx.dedup", n_jobs=1) as ix:
        yield ix


def _deep(n):
    m = []
    for _ in range(n):
        m = [m]
    return m


# -- ids and metadata the API cannot store (item: 10**5000, meta 100,000 deep) ---------------------


@pytest.mark.parametrize("call", ["add", "check_and_add", "add_many", "check_and_add_many", "contains", "remove"])
def test_huge_integer_id_is_an_input_error(index, call):
    big = 10**5000
    with pytest.raises(InputError, match="integer id too large") as err:
        if call == "add":
            index.add(big, TEXT)
        elif call == "check_and_add":
            index.check_and_add(big, TEXT)
        elif call == "add_many":
            index.add_many([("ok", TEXT + " one"), (big, TEXT)])
        elif call == "check_and_add_many":
            index.check_and_add_many([{"id": big, "text": TEXT}])
        elif call == "contains":
            big in index  # noqa: B015
        else:
            index.remove(-big)
    assert "<integer of 16610 bits>" in str(err.value)
    assert len(index) == 0


def test_long_integer_id_within_the_limit_round_trips(index):
    big = 10**999
    assert index.check_and_add(big, TEXT) is None
    assert big in index and index.check(TEXT).id == big


@pytest.mark.parametrize("call", ["add", "check_and_add", "add_many"])
def test_deeply_nested_meta_is_an_input_error(index, call):
    meta = _deep(100_000)
    with pytest.raises(InputError, match="nested too deeply") as err:
        if call == "add":
            index.add("doc-7", TEXT, meta)
        elif call == "check_and_add":
            index.check_and_add("doc-7", TEXT, meta)
        else:
            index.add_many([{"id": "doc-7", "text": TEXT, "meta": meta}])
    assert "'doc-7'" in str(err.value) and len(index) == 0


def test_lone_surrogates_in_id_and_meta_round_trip(index):
    index.add("\ud800x", TEXT, {"m": "\udc00"})
    assert "\ud800x" in index
    m = index.check(TEXT)
    assert m.id == "\ud800x" and m.meta == {"m": "\udc00"}
    assert index.remove("\ud800x") and len(index) == 0


# -- one Index, two threads (item: "the error says the file is corrupted") ----------------------------


def test_index_used_from_another_thread_says_so(index):
    import threading

    from dedup.index import IndexThreadError

    index.add("a", TEXT)
    errors = []

    def use():
        for call in (lambda: index.check(TEXT), lambda: len(index), lambda: index.add("b", TEXT + " more"),
                     lambda: index.verify(), lambda: index.stats(), lambda: "a" in index, lambda: index.close()):
            try:
                call()
                errors.append(None)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    t = threading.Thread(target=use)
    t.start()
    t.join()
    assert len(errors) == 7
    for exc in errors:
        assert type(exc) is IndexThreadError, repr(exc)
        assert "belongs to the thread that opened it" in str(exc) and "corrupted" not in str(exc)
    # the owning thread goes on as before; another thread with its own Index works too
    assert len(index) == 1 and index.check(TEXT).id == "a" and index.verify() == []
    seen = []

    def own():
        with Index.open(index.path, n_jobs=1) as mine:
            seen.append(mine.check(TEXT).id)

    t = threading.Thread(target=own)
    t.start()
    t.join()
    assert seen == ["a"]
