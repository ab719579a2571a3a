"""The review page in a real browser: headless Chromium (Debian's ``chromium``, which ``.ci/run`` installs) driven by
Playwright. Each test loads a page built from the seeds or from a benchmark corpus, checks the rendered DOM, keeps a
screenshot in ``tests/artifacts/`` (git-ignored), and fails on any JavaScript error or network request.

Without Chromium (or Playwright) the tests skip, saying why; under CI (``CI=true``) they fail instead."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from dedup import report
from dedup.io import read_inputs

ARTIFACTS = ROOT / "tests" / "artifacts"
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"></script><b>bold</b>'


def _missing(why: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{why} (CI=true: the browser tests must run; .ci/run installs chromium and the test extra)")
    pytest.skip(why)


def chromium_path() -> str | None:
    """The Chromium to drive: ``DEDUP_CHROMIUM``, else the first of chromium, chromium-browser, google-chrome on PATH."""
    given = os.environ.get("DEDUP_CHROMIUM")
    if given:
        return given
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    exe = chromium_path()
    if exe is None:
        _missing("no chromium on PATH (apt-get install chromium, or set DEDUP_CHROMIUM)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        yield b
        b.close()


class Page:
    """One loaded report: the Playwright page, the JavaScript errors and the requests it made."""

    def __init__(self, browser, path: Path, viewport=(1400, 1000)) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_selector("body[data-ready='1']", timeout=30_000)

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def finish(self, name: str) -> Path:
        """Keep a screenshot, then fail on a JavaScript error or a request for anything but the file itself."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        url = self.page.url
        self.page.close()
        assert self.errors == []
        assert [r for r in self.requests if r != url] == []
        return shot


def seed_page(tmp_path: Path, extra=()) -> Path:
    out = tmp_path / "seeds.html"
    report.write_report(list(read_inputs([str(SEEDS)])) + list(extra), out, title="dedup report: seeds")
    return out


def test_seeds_page_renders_clusters_differences_and_search(browser, tmp_path):
    p = Page(browser, seed_page(tmp_path))
    page = p.page
    assert page.title() == "dedup report: seeds"
    assert p.count(".cluster") == 1
    assert "Showing 1 of 1 clusters" in page.inner_text("#status")
    assert p.count("#charts svg .bar") >= 2
    cards = page.inner_text("#overview")
    assert "5\ndocuments" in cards and "4\nclusters" in cards
    head = page.locator(".cluster .head")
    assert "2 docs" in head.inner_text() and "001_460e1fe8a5442074" in head.inner_text()
    head.click()
    # The first member opens with the cluster: its differences are highlighted in both texts.
    member = page.locator(".member").first
    assert "000_20d7aab8ec14d6c9" in member.inner_text() and "MATCH" in member.inner_text()
    assert "Jaccard 0.984 >= 0.4" in member.locator(".why").inner_text()
    word = page.locator(".side-0 mark.k-word")
    assert word.count() == 1 and word.inner_text() == "the" and "counted" in word.get_attribute("class")
    assert page.locator(".side-1 mark.k-word").inner_text() == "it's"
    assert page.locator(".side-0 mark.k-added").count() == 2 and page.locator(".side-1 mark.k-added.gap").count() == 2
    assert page.locator(".side-1 mark.k-noise").count() >= 20
    # A click on a highlight finds its counterpart.
    word.click()
    page.wait_for_selector(".side-1 mark.k-word.flash")
    # Original text, unhighlighted.
    page.locator(".side-1 h3 button").click()
    assert page.locator(".side-1 mark").count() == 0 and "It's a high-stakes negotiation for Harris" in page.inner_text(".side-1 .text")
    page.locator(".side-1 h3 button").click()
    # Each highlight's title names both sides, also once redrawn.
    assert page.locator(".side-1 mark.k-word").get_attribute("title") == "word: \u201cthe\u201d \u2192 \u201cit's\u201d"
    # Search and filters.
    page.fill("#f-q", "guatemala")
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('Showing 1 of 1')")
    page.fill("#f-q", "no such words anywhere")
    page.wait_for_function("() => document.querySelectorAll('.cluster').length === 0")
    assert "none matches the filters" in page.inner_text("#status")
    page.fill("#f-q", "000_20D7AAB8")  # ids, case-insensitive
    page.wait_for_function("() => document.querySelectorAll('.cluster').length === 1")
    page.fill("#f-sizeMin", "3")
    page.wait_for_function("() => document.querySelectorAll('.cluster').length === 0")
    page.click("#f-clear")
    page.select_option("#f-kind", "figure")
    page.wait_for_function("() => document.querySelectorAll('.cluster').length === 0")
    page.select_option("#f-kind", "added")
    page.wait_for_function("() => document.querySelectorAll('.cluster').length === 1")
    # A bar of the size histogram filters by size.
    page.select_option("#f-kind", "")
    page.fill("#f-sizeMin", "3")
    page.wait_for_function("() => document.querySelectorAll('.cluster').length === 0")
    bar = page.locator("#charts .chart").first.locator(".bar").first  # size 2
    bar.click()
    page.wait_for_function("() => document.querySelectorAll('.cluster').length === 1")
    assert page.input_value("#f-sizeMin") == "2" and page.input_value("#f-sizeMax") == "2"
    bar.click()  # again: off
    assert page.input_value("#f-sizeMin") == "" and "on" not in bar.get_attribute("class")
    page.click("#f-clear")
    page.wait_for_function("() => document.querySelectorAll('.cluster').length === 1")
    page.locator(".cluster .head").click()
    p.finish("report_seeds")


def test_hostile_document_renders_as_text(browser, tmp_path):
    seeds = list(read_inputs([str(SEEDS)]))
    text = seeds[1][1]
    evil = ("<i>evil</i></script>", text[:2500] + HOSTILE + text[2500:4500])  # a shorter copy: a member
    p = Page(browser, seed_page(tmp_path, [evil]))
    page = p.page
    page.locator(".cluster .head").click()
    member = page.locator(".member").filter(has=page.locator(".mid", has_text="<i>evil</i></script>"))
    assert member.count() == 1
    if member.locator(".mbody").is_hidden():
        member.locator(".mhead").click()
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".text img, .text script, .text b, .text i").count() == 0
    assert page.locator("main img, main script").count() == 0
    pane = member.locator(".side-1 .text")
    assert "window.__pwned = 1" in pane.inner_text()  # as compared (normalized): still the markup's words, as text
    member.locator(".side-1 h3 button").click()  # the original text: the markup itself, as text
    assert HOSTILE in pane.inner_text()
    page.fill("#f-q", "<script>window.__pwned")
    page.wait_for_function("() => document.querySelectorAll('.cluster').length === 1")
    assert page.evaluate("window.__pwned") is None
    p.finish("report_hostile")


def benchmark_records():
    """Synthetic noisy reprints (:func:`benchmarks.synth.make_reprint_corpus`) of Reuters stories, or of the seed
    articles when the evaluation data is absent."""
    from benchmarks import datasets, synth

    try:
        sources = [datasets.strip_reuters_signoff(r["body"]) for r in datasets.load_reuters(limit=3000)]
        sources = [t for t in sources if len(t.split()) >= 60][:600]
        n_clusters, n_distractors = 140, 200
    except datasets.DatasetMissing:
        sources = datasets.load_seeds().texts
        n_clusters, n_distractors = 4, 1
    corpus = synth.make_reprint_corpus(sources, n_clusters, n_distractors, seed=1)
    return list(zip(corpus.ids, corpus.texts)), n_clusters


def test_benchmark_corpus_page_scrolls_lazily_and_filters(browser, tmp_path):
    records, n_clusters = benchmark_records()
    out = tmp_path / "bench.html"
    summary = report.write_report(records, out, title="dedup report: synthetic reprints")
    assert summary.clusters_shown == summary.clusters >= n_clusters * 0.8
    p = Page(browser, out)
    page = p.page
    drawn = p.count(".cluster")
    assert drawn == min(50, summary.clusters)  # lazy: the first chunk only
    sizes = page.eval_on_selector_all(".cluster .size", "els => els.map(e => parseInt(e.textContent))")
    assert sizes == sorted(sizes, reverse=True)  # largest first
    assert p.count(".cluster .body .member") == 0  # no cluster drawn before it is opened
    if summary.clusters > 50:
        page.locator("#more").scroll_into_view_if_needed()
        page.wait_for_function("() => document.querySelectorAll('.cluster').length > 50")
    # Noisy reprints: the alignment's noise, cuts and additions are highlighted.
    page.locator(".cluster .head").first.click()
    assert page.locator(".cluster.open mark").count() > 0
    kinds = set(page.eval_on_selector_all(".cluster.open mark", "els => els.map(e => e.dataset.kind)"))
    assert kinds & {"noise", "cut", "added"}
    # Similarity filter: every cluster left has a member in the range.
    page.fill("#f-simMax", "0.7")
    page.wait_for_function("() => document.querySelector('#status').textContent.indexOf('Showing') === 0")
    page.wait_for_timeout(300)
    left = p.count(".cluster")
    lows = page.eval_on_selector_all(".cluster .sims", "els => els.map(e => parseFloat(e.textContent))")
    assert all(x <= 0.7 for x in lows) and left <= drawn
    page.fill("#f-simMax", "")
    page.select_option("#f-sort", "sim")
    page.wait_for_timeout(300)
    lows = page.eval_on_selector_all(".cluster .sims", "els => els.map(e => parseFloat(e.textContent))")
    assert lows == sorted(lows)
    page.click("#f-clear")
    page.wait_for_timeout(300)
    page.locator(".cluster .head").first.click()
    p.finish("report_benchmark")
