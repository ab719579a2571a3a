"""The word alignment and its verdict (dedup.align): what differs between two texts, and whether it is a template fill."""

import dedup
from dedup import align as A

STORY = (
    "The city council approved a budget of 4,895,720 dlrs for road repairs on Tuesday after a long debate. "
    "Mayor Jane Alvarez said work on the northern bridge would begin in May and last about six months. "
    "Residents had complained for years about the state of the roads, the council said in a statement. "
    "The repairs will be paid for from a special fund set up in 1986, officials added."
)


def dividend(company: str, amount: str, prior: str, pay: str, record: str) -> str:
    return (
        f"{company.upper()} SETS QUARTERLY DIVIDEND\n\n{company} said its board declared a quarterly dividend of "
        f"{amount} cts a share, against {prior} cts a share paid in the prior quarter. The dividend is payable "
        f"{pay} to shareholders of record {record}, the company said."
    )


def test_identical_texts_have_no_differences():
    al = A.align(STORY, STORY)
    assert al.differences == () and al.shared_words == al.a_words == al.b_words
    assert not al.template_fill and al.reason is None


def test_other_figures_in_one_template_are_a_template_fill():
    a = dividend("Acme Industries Inc", "25", "22", "April 15", "March 31")
    b = dividend("Acme Industries Inc", "12", "10", "May 20", "April 30")
    al = A.align(a, b)
    assert al.template_fill and al.reason.startswith("figures differ")
    kinds = {d.kind for d in al.differences}
    assert "figure" in kinds and al.changed_figures >= 2
    for d in al.differences:  # spans point into the texts
        assert a[d.a[0] : d.a[1]] == d.a_text and b[d.b[0] : d.b[1]] == d.b_text


def test_other_names_in_one_template_are_a_template_fill():
    text = (
        "{0} said it filed with the Securities and Exchange Commission for a secondary offering of one mln common shares. "
        "{0} said the shares would be sold by its chairman, and that {0} itself would receive none of the proceeds."
    )
    al = A.align(text.format("Baldwin Piano and Organ Co"), text.format("Kaufman and Broad Home Corp"))
    assert al.template_fill and al.changed_names > 0
    assert any(d.kind == "name" for d in al.differences)


def test_ocr_noise_cuts_and_added_paragraphs_keep_a_match():
    noisy = STORY.replace("council", "counci1").replace("the roads", "tbe roads").replace("officials", "offlcials")
    al = A.align(STORY, noisy)
    assert not al.template_fill and {d.kind for d in al.differences} == {"noise"}
    excerpt = STORY[: STORY.index(" Residents")]
    al = A.align(STORY, excerpt)
    assert not al.template_fill and [d.kind for d in al.differences] == ["cut"]
    longer = STORY.replace(" Residents", " A second paragraph tells what the opposition said about it. Residents")
    al = A.align(STORY, longer)
    assert not al.template_fill and [d.kind for d in al.differences] == ["added"]


def test_rounded_and_rewritten_figures_are_the_same_figures():
    rounded = STORY.replace("4,895,720 dlrs", "4.9 mln dlrs")
    al = A.align(STORY, rounded)
    assert al.changed_figures == 0 and not al.template_fill
    assert A.align("Sales rose to 269.1 mln dlrs from 245 mln.", "Sales rose to 269 mln dlrs from 245 mln.").changed_figures == 0


def test_how_noisy_a_pair_is_decides_what_a_similar_figure_means():
    clean = STORY.replace("1986", "1988")
    assert A.align(STORY, clean).changed_figures == 1  # a clean pair: another year
    damaged = clean.replace("council", "counc1l").replace("roads", "r0ads").replace("Residents", "Resldents")
    damaged = damaged.replace("budget", "budgct").replace("complained", "compla1ned")
    al = A.align(STORY, damaged)
    assert al.noise_rate >= A.NOISY_RATE and al.changed_figures == 0 and not al.template_fill


def test_in_a_damaged_pair_a_similar_figure_is_damage_only_when_its_digits_are_close():
    damaged = STORY.replace("council approved", "counc1l approved")  # one damaged word: damaged, not noisy
    assert A.DAMAGED_RATE <= A.align(STORY, damaged).noise_rate < A.NOISY_RATE
    one_digit = A.align(STORY, damaged.replace("4,895,720", "4,885,720"))
    assert one_digit.changed_figures == 0 and not one_digit.template_fill  # OCR damages a digit
    most_digits = A.align(STORY, damaged.replace("4,895,720", "4,815,329"))
    assert most_digits.changed_figures == 1 and most_digits.template_fill  # three of seven: another amount
    assert A._close_digits("2.1", "2.6") and not A._close_digits("17.55", "17.18")


def test_a_figure_that_begins_or_extends_the_other_is_ocr_dropping_or_gluing_digits():
    assert A.align(STORY.replace("1986", "590"), STORY.replace("1986", "5905")).changed_figures == 0
    assert A.align(STORY.replace("1986", "2338"), STORY.replace("1986", "233")).changed_figures == 0
    assert A.align(STORY.replace("1986", "590"), STORY.replace("1986", "610")).changed_figures == 1
    assert not A._extends("5", "55") and not A._extends("55", "55") and not A._extends("590", None)  # one digit, or the same digits
    # Only against the word it replaces: in a long run of other figures some always begin alike.
    table_a = " ".join(f"row 1-{j} value" for j in range(60))
    table_b = " ".join(f"row 11-{j} value" for j in range(60))
    assert A.align(table_a, table_b).template_fill


def test_prepared_texts_give_the_verdict_of_the_engine():
    d = dedup.Deduplicator()
    a = dividend("Acme Industries Inc", "25", "22", "April 15", "March 31")
    b = dividend("Acme Industries Inc", "12", "10", "May 20", "April 30")
    assert A.align(d.prepare(a), d.prepare(b)).template_fill
    assert dedup.cluster([a, b], verify_text=False, number_agreement=0).tolist() == [0, 0]  # wording alone
    assert dedup.cluster([a, b]).tolist() == [0, 1]


def test_pairs_too_long_to_align_get_no_verdict(monkeypatch):
    monkeypatch.setattr(A, "MAX_ALIGN_CELLS", 10)
    al = A.align(STORY, STORY.replace("1986", "1988"))
    assert not al.aligned and not al.template_fill and al.differences == ()


def test_empty_and_wordless_texts():
    assert not A.align("", "").template_fill
    assert not A.align("...", "!!!").template_fill
    al = A.align("", STORY)
    assert [d.kind for d in al.differences] == ["cut"] and not al.template_fill


def test_the_verdict_does_not_depend_on_the_order_of_the_texts():
    a = dividend("Acme Industries Inc", "25", "22", "April 15", "March 31")
    b = dividend("Zenith Corp", "25", "20", "April 15", "March 30") + " It also raised its annual forecast."
    for x, y in ((a, b), (STORY, STORY.replace("1986", "1988")), (STORY, STORY[:200])):
        one, other = A.align(x, y), A.align(y, x)
        assert one.reason == other.reason and one.template_fill == A.template_fill(y, x)
        assert (one.a_words, one.b_words) == (other.b_words, other.a_words)
        for d in one.differences:
            assert x[d.a[0] : d.a[1]] == d.a_text and y[d.b[0] : d.b[1]] == d.b_text


def test_the_token_cache_is_bounded_by_words(monkeypatch):
    monkeypatch.setattr(A, "CACHE_WORDS", 400)
    A.clear_cache()
    texts = [f"{STORY} {k}" for k in range(20)]
    for t in texts:
        A.align(t, STORY)
    assert 0 < A._cached_words <= 400 and len(A._cache) < 20
    assert A.align(texts[0], STORY).changed_figures == A.align(texts[0], STORY).changed_figures
    A.clear_cache()
    assert A._cached_words == 0 and not A._cache


def test_a_copy_keeps_its_own_dateline_but_not_another_name_in_the_headline():
    body = "{} said it declared a quarterly dividend of 25 cts a share, payable April 1 to holders of record March 15."
    al = A.align(f"ACME CORP SETS QUARTERLY\n\n{body.format('Acme Corp')}", f"ZENITH INC SETS QUARTERLY\n\n{body.format('Zenith Inc')}")
    assert al.template_fill and al.changed_names >= 1 and al.differences[0].kind != "cut"
    dated = A.align(f"LONDON, March 27 - {STORY}", f"GENEVA, December 13 - {STORY}")
    assert not dated.template_fill and dated.differences[0].kind == "cut"
    signed = A.align(f"{STORY} Reprinted from the Gazette", f"{STORY} Source: Daily Herald")
    assert not signed.template_fill
