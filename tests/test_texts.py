"""The engine's kept texts (dedup.texts.StoredTexts, rust/core/src/textstore.rs) and the alignment read from them."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align import template_fill_many
from dedup.texts import StoredTexts


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=300), max_size=8), max_size=5), st.booleans())
def test_texts_come_back_as_given(batches, spill):
    """In order, across batches, in memory and past it (spilled to the file, or compressed), lone surrogates and empty
    texts included; indexing as a list's."""
    s = StoredTexts(memory_chars=200, spill=spill)
    every: list[str] = []
    for batch in batches:
        s.extend(batch)
        every.extend(batch)
    assert len(s) == len(every)
    assert list(s) == every
    assert s[::-1] == every[::-1]
    if every:
        assert s[-1] == every[-1]
    with pytest.raises(IndexError):
        s[len(every)]


NEWS = ("The central bank raised its benchmark rate by a quarter point on Tuesday, citing inflation "
        "that stayed above its target for a third month. ") * 20


def test_news_text_is_kept_smaller_without_a_file():
    s = StoredTexts(memory_chars=0, spill=False)
    s.extend([NEWS] * 50)
    assert s.nbytes < 50 * len(NEWS) / 2 and s.spilled_bytes == 0
    plain = StoredTexts()  # below the memory share: kept as is
    plain.extend([NEWS] * 50)
    assert plain.nbytes >= 50 * len(NEWS) and list(plain) == [NEWS] * 50


def test_texts_past_the_memory_share_go_to_a_file_that_leaves_no_trace(tmp_path):
    s = StoredTexts(memory_chars=len(NEWS) * 3, spill_dir=str(tmp_path))
    s.extend([NEWS] * 2)
    s.extend([NEWS + " two"] * 2)  # still in memory: the share was not reached before this batch
    held = s.nbytes
    for k in range(10):
        s.extend([f"{k} {NEWS}"] * 5)
    assert s.nbytes < held + 1000  # the offsets of 50 texts, not their text
    assert s.spilled_bytes > 50 * len(NEWS)
    assert list(tmp_path.iterdir()) == []  # the file has no name: nothing is left behind, even after a crash
    assert s[0] == NEWS and s[3] == NEWS + " two" and s[53] == f"9 {NEWS}"
    assert s.template_fills(np.array([0, 4]), np.array([53, 5])).tolist() == [False, False]


def test_no_writable_directory_keeps_the_texts_compressed_in_memory(tmp_path):
    missing = tmp_path / "gone"
    s = StoredTexts(memory_chars=0, spill_dir=str(missing))
    with pytest.warns(RuntimeWarning, match="cannot make a temporary file in .*gone.*compressed"):
        s.extend([NEWS] * 20)
    s.extend([NEWS] * 20)  # warned once
    assert list(s) == [NEWS] * 40 and s.spilled_bytes == 0 and s.nbytes < 40 * len(NEWS) / 2


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_failed_write_is_an_os_error_and_adds_nothing(monkeypatch):
    """A full disk while spilling: a clear OSError naming the directory, and the texts before it still read."""
    s = StoredTexts(memory_chars=0)
    monkeypatch.setattr(tempfile, "mkstemp", lambda **kw: (os.open("/dev/null", os.O_RDONLY), "/dev/full"))
    monkeypatch.setattr(os, "unlink", lambda path: None)
    with pytest.raises(OSError, match="cannot write the kept texts to the temporary file in .*No space left"):
        s.extend([NEWS])
    assert len(s) == 0


def _dividend(company: str, amount: str, pay: str) -> str:
    return (f"{company.upper()} SETS QUARTERLY DIVIDEND\n\n{company} said its board declared a quarterly dividend of "
            f"{amount} cts a share, payable {pay} to shareholders of record, the company said. The company makes "
            "industrial valves and pumps for the chemical industry and employs about 2,000 people.")


def test_alignment_from_the_store_gives_the_verdicts_of_strings():
    texts = [
        _dividend("Acme Corp", "12", "April 1"),
        _dividend("Baxter Inc", "15", "May 3"),          # another company's notice: a template fill
        _dividend("Acme Corp", "12", "April 1").replace("valves", "va1ves"),  # OCR noise: the same notice
        "Totally different text about the weather in the mountains, with rain and snow expected.",
        "l\ud800one surrogate " + _dividend("Acme Corp", "12", "April 1"),  # no UTF-8: kept as the string
    ]
    s = StoredTexts(memory_chars=len(texts[0]) * 2)  # the first texts in memory, the rest in the file
    s.extend(texts[:2])
    s.extend(texts[2:])
    pairs = np.array([(0, 1), (0, 2), (1, 2), (2, 0), (0, 3), (4, 0), (4, 1)])
    fills = s.template_fills(pairs[:, 0], pairs[:, 1])
    want = template_fill_many([texts[i] for i in pairs[:, 0]], [texts[j] for j in pairs[:, 1]])
    assert fills.tolist() == want.tolist()
    assert fills[0] and not fills[1]
    # Without the odd text, the pairs are read in the core.
    assert s.template_fills(pairs[:5, 0], pairs[:5, 1], n_jobs=2).tolist() == want[:5].tolist()


def test_signatures_kept_in_blocks_read_as_one_array(monkeypatch):
    """The engine's signature rows (dedup.deduplicator._Rows) join across blocks and batches in order."""
    import dedup
    from dedup import deduplicator

    monkeypatch.setattr(deduplicator._Rows, "BLOCK_BYTES", 3 * 1024)  # three 256-value rows per block
    monkeypatch.setattr(deduplicator._Rows, "RESERVE_BYTES", 5 * 1024)  # five in the first
    texts = [f"story {i}: " + " ".join(f"word{(i * 7 + k) % 50}" for k in range(30)) for i in range(23)]
    d = dedup.Deduplicator(batch_size=4)
    d.add_many(enumerate(texts[:10]), batch_size=4)
    d.clusters()  # joins what is there; adding more afterwards starts new blocks
    d.add_many(enumerate(texts[10:], start=10), batch_size=5)
    sigs, sizes = d.sign(texts)
    got_sigs, got_sizes, _ = d._arrays()
    assert np.array_equal(got_sigs, sigs) and np.array_equal(got_sizes, sizes)
    assert d.clusters().labels.tolist() == dedup.Deduplicator().fit_predict(texts).tolist()


def test_rows_that_fit_the_first_block_are_read_without_a_copy(monkeypatch):
    """Rows within the reserved first block come back as a view of it; where the system refuses the reservation,
    blocks of the usual size hold the same rows."""
    from dedup import deduplicator

    batches = [np.arange(k * 12, (k + 1) * 12, dtype=np.uint32).reshape(3, 4) for k in range(4)]
    rows = deduplicator._Rows()
    for b in batches:
        rows.append(b)
    first = rows.array()
    assert np.array_equal(first, np.concatenate(batches)) and not first.flags.owndata  # a view of the block
    assert rows.array().base is first.base  # read again: the same block, nothing joined

    def refuse(shape, dtype=float):
        if shape[0] * np.dtype(dtype).itemsize * int(np.prod(shape[1:])) >= deduplicator._Rows.RESERVE_BYTES:
            raise MemoryError("no address space")
        return real_empty(shape, dtype=dtype)

    real_empty = np.empty
    monkeypatch.setattr(deduplicator.np, "empty", refuse)
    monkeypatch.setattr(deduplicator._Rows, "BLOCK_BYTES", 2 * 16)  # two 4-value rows per block
    small = deduplicator._Rows()
    for b in batches:
        small.append(b)
    assert np.array_equal(small.array(), np.concatenate(batches))
