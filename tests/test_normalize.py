import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dedup
from dedup.errors import ConfigError, InputError
from dedup.normalize import Normalizer, dehyphenate, fix_encoding, normalize, strip_boilerplate, unwrap_lines


def test_seed_000_mojibake_is_repaired(seeds):
    text = normalize(seeds["000"])
    assert "hernández" in text
    assert "Ã" not in text and "â" not in text
    fixed = fix_encoding(seeds["000"])
    assert "Hernández" in fixed
    assert "US—something" in fixed


def test_seed_000_broken_lines_are_joined(seeds):
    text = normalize(seeds["000"])
    assert "for harris, who in march accepted the politically fraught" in text


def test_seed_001_video_caption_and_dateline_removed(seeds):
    text = normalize(seeds["001"])
    assert "source: cnn" not in text
    assert "sotu vpx" not in text
    assert "we have to give hope" not in text
    assert text.startswith("the white house is laying down the groundwork")


def test_seed_000_and_001_share_opening_paragraph(seeds):
    a, b = normalize(seeds["000"]), normalize(seeds["001"])
    para = "it's a high-stakes negotiation for harris, who in march accepted the politically fraught assignment"
    assert para in a and para in b


def test_dehyphenation_and_html_entities():
    assert normalize("les fa-\nmilles") == "les familles"
    assert normalize("US-\nMexico border") == "us- mexico border"
    assert normalize("Tom &amp; Jerry") == "tom & jerry"


def test_dehyphenate_rules():
    # A letter, one or more dashes of any kind, spaces, a break, spaces, a lower-case letter.
    assert dehyphenate("fa\u2014 \n  milles") == "familles"
    assert dehyphenate("\u00e9t\u00e9-\n\u00e0 la") == "\u00e9t\u00e9\u00e0 la"
    assert dehyphenate("a-\nb-\nc") == "abc"  # a word broken over three lines
    for kept in ("A-\nB", "x-\n", "-\nb", "1-\nb", "x-\n\nb", "x- -\nb"):
        assert dehyphenate(kept) == kept


def test_quotes_dashes_whitespace_case():
    assert normalize("\u201cHello\u201d \u2014 it\u2019s   ME -- \tagain") == "\"hello\" - it's me - again"
    assert normalize("ﬁne ＡＢＣ") == "fine abc"  # NFKC


def test_steps_can_be_switched_off():
    raw = "Hern\u00c3\u00a1ndez  \u201cSaid\u201d"
    assert normalize(raw, fix_encoding=False, casefold=False, punctuation=False, unicode=False) == "Hern\u00c3\u00a1ndez \u201cSaid\u201d"
    assert normalize(raw, casefold=False) == 'Hernández "Said"'
    assert normalize("A\nb", unwrap=False, whitespace=False) == "a\nb"
    assert normalize("A\nb") == "a b"


def test_unwrap_keeps_sentence_ends_and_paragraphs():
    assert unwrap_lines("one\ntwo.\nThree") == "one two.\nThree"
    assert unwrap_lines("one.\n\nTwo") == "one.\n\nTwo"


def test_boilerplate_lines():
    text = "By Jane Doe\nReal text here.\nCopyright 2021 Cable News Network. All rights reserved.\nSource: CNN"
    assert strip_boilerplate(text).strip() == "Real text here."
    assert strip_boilerplate("WASHINGTON, March 3 (Reuters) - The Fed said").strip() == "The Fed said"


def test_french_circumflex_survives_without_mojibake():
    assert normalize("Le château et l'âge") == "le château et l'âge"


def test_clean_text_skips_ftfy(monkeypatch):
    import ftfy

    def boom(*args, **kwargs):
        raise AssertionError("ftfy must not run on clean text")

    monkeypatch.setattr(ftfy, "fix_text", boom)
    assert normalize("Plain ASCII text, nothing broken.") == "plain ascii text, nothing broken."
    assert normalize("Le café est très bon — vraiment.") == "le café est très bon - vraiment."


def test_bad_arguments():
    with pytest.raises(ConfigError):
        normalize("x", nonsense=True)
    with pytest.raises(ConfigError):
        Normalizer(casefold="yes")
    with pytest.raises(InputError):
        normalize(b"bytes")  # type: ignore[arg-type]


def test_public_api():
    assert dedup.normalize is normalize


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_normalize_never_raises_and_returns_str(text):
    assert isinstance(normalize(text), str)


def _signature_pair(text):
    from dedup import MinHasher, Shingler

    mh, sh = MinHasher(32), Shingler("char", 3)
    full, _ = mh.sign_texts([normalize(text)], sh)
    light, _ = mh.sign_texts([Normalizer().for_shingling(text)], sh, fold_ascii=True)
    return full, light


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(["\n", "Source: CNN", "By Jane Doe", "-\n", "&amp;", "Ã©", "â", "WASHINGTON (Reuters) - ",
                             "\u201c", "--", "  ", "ß", "İ", "ﬁ", "Copyright 2020", "05:36 - Source: CNN\n"]),
        ),
        max_size=12,
    ).map("".join)
)
@example("A--\na")
@example("05:36 \u2014 Source: CNN\nBy Jane O\u2019Neil\nText.")
@example("WASHINGTON \u2014\u2013 (Reuters) \u2014 The Fed")
def test_shingling_text_has_the_shingles_of_normalized_text(text):
    full, light = _signature_pair(text)
    assert (full == light).all()


def test_shingling_text_on_seeds(seeds):
    for text in seeds.values():
        full, light = _signature_pair(text)
        assert (full == light).all()
