"""Cleaning article text, and the map from every cleaned character back to the original (`qa.ingest.cleaning`)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from qa.ingest.cleaning import MappedText, clean
from tests.conftest import SEEDS

SEED = SEEDS / "seed-north-korea.txt"

# What a cleaned character may stand for in the original, besides itself (written out here, not taken from qa).
EQUIVALENT = {
    '"': set('"\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb'),
    "'": set("'\u2018\u2019\u201a\u201b\u2032"),
}
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
STRAIGHTEN = str.maketrans({c: k for k, chars in EQUIVALENT.items() for c in chars})


def normalized(original: str) -> str:
    """The original text as cleaning should see a single word of it: straight quotes, no invisible characters."""
    return INVISIBLE.sub("", original).translate(STRAIGHTEN)


def assert_maps_back(original: str, mapped: MappedText) -> None:
    """Every cleaned character that was not inserted stands for an equivalent original character, in order."""
    text, origin = mapped.text, mapped.origin
    assert len(origin) == len(text)
    assert np.all(np.diff(origin) >= 0), "origins must never go backwards"
    assert all(0 <= o < len(original) for o in origin)
    for i, char in enumerate(text):
        source = original[origin[i]]
        inserted = i + 1 < len(text) and origin[i] == origin[i + 1]
        if char.isspace():
            assert source.isspace() or inserted, f"{char!r} at {i} maps to {source!r}"
        else:
            assert source == char or source in EQUIVALENT.get(char, ()), f"{char!r} at {i} maps to {source!r}"


def assert_words_map_back(original: str, mapped: MappedText) -> None:
    """`span` of every cleaned word is exactly that word in the original (modulo curly quotes)."""
    words = list(re.finditer(r"\S+", mapped.text))
    assert words
    for word in words:
        start, end = mapped.span(*word.span())
        assert normalized(original[start:end]) == word.group(), (word.group(), original[start:end])


MESSY = {
    "glued-and-credits": (
        "North Korea.Japan\u2019s PM called it \u201cvery regrettable\u201d.It came.\r\n"
        "Photo: Reuters\r\n\r\nUS envoy\tspeaks\u00a0here Credit: AP\r\n"
    ),
    "invisible-and-spaces": (
        "\ufeff  Lead\u200b para  with   spaces.\nwrapped line\u00ad here.\n\n\n\nAdvertisement\n\n"
        "Next \u00abquoted\u00bb text.It ends."
    ),
    "line-per-paragraph": "First para.\nSecond para \u201cquote\u201d.Third one\nFourth line Credit: Getty Images\n",
    "old-mac-newlines": "Mac line one\rline two\r\rNext paragraph.Here it is",
    "accents-and-dashes": (
        "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u2014 em dash\u2026 ellipsis.Next one 5%.Then 'quoted'.Done"
    ),
    "thin-spaces": "Price\u2009rose\u202fto 5\u00a0000 euros.\t\tIt\u2060 was\u200d high.",
}


# --- MappedText -------------------------------------------------------------------------------------------------


def test_of_numbers_characters_from_the_offset() -> None:
    mapped = MappedText.of("abc", offset=7)
    assert mapped.text == "abc"
    assert mapped.origin.tolist() == [7, 8, 9]


def test_docstring_example() -> None:
    mapped = MappedText.of("a  b", offset=10).sub(re.compile(" +"), " ")
    assert (mapped.text, mapped.span(2, 3)) == ("a b", (13, 14))


def test_sub_same_length_keeps_origins_one_for_one() -> None:
    mapped = MappedText.of("x-y-z").sub(re.compile("-"), "+")
    assert mapped.text == "x+y+z"
    assert mapped.origin.tolist() == [0, 1, 2, 3, 4]


def test_sub_shorter_replacement_takes_the_origin_of_the_match_start() -> None:
    mapped = MappedText.of("ab   cd").sub(re.compile(" +"), " ")
    assert mapped.text == "ab cd"
    assert mapped.origin.tolist() == [0, 1, 2, 5, 6]


def test_sub_deletion_skips_the_removed_origins() -> None:
    mapped = MappedText.of("keep DROP keep").sub(re.compile(" DROP"), "")
    assert mapped.text == "keep keep"
    assert mapped.origin.tolist() == [0, 1, 2, 3, 9, 10, 11, 12, 13]


def test_sub_insertion_points_at_the_following_character() -> None:
    mapped = MappedText.of("a.B").sub(re.compile(r"(?<=\.)(?=B)"), " ")
    assert mapped.text == "a. B"
    assert mapped.origin.tolist() == [0, 1, 2, 2]


def test_sub_insertion_at_the_end_points_past_the_last_character() -> None:
    mapped = MappedText.of("ab", offset=5).sub(re.compile("$"), "!")
    assert mapped.text == "ab!"
    assert mapped.origin.tolist() == [5, 6, 7]


def test_sub_with_a_callable_and_group_references() -> None:
    upper = MappedText.of("ab cd").sub(re.compile("[a-z]+"), lambda m: m.group().upper())
    assert upper.text == "AB CD"
    assert upper.origin.tolist() == [0, 1, 2, 3, 4]
    link = MappedText.of("[x](y) z").sub(re.compile(r"\[(\w)\]\(\w\)"), r"\1")
    assert link.text == "x z"
    assert link.origin.tolist() == [1, 6, 7]  # the kept group's own characters


def test_sub_without_a_match_returns_the_same_object() -> None:
    mapped = MappedText.of("nothing here")
    assert mapped.sub(re.compile("zzz"), "") is mapped


def test_sub_chains_keep_pointing_at_the_first_original() -> None:
    mapped = MappedText.of("aa  bb  cc", offset=100).sub(re.compile(" +"), " ").sub(re.compile("bb "), "")
    assert mapped.text == "aa cc"
    assert mapped.span(3, 5) == (108, 110)


def test_translate_keeps_offsets() -> None:
    mapped = MappedText.of("\u201chi\u201d", offset=3).translate({0x201C: '"', 0x201D: '"'})
    assert mapped.text == '"hi"'
    assert mapped.origin.tolist() == [3, 4, 5, 6]


@pytest.mark.parametrize(("start", "end", "expected"), [(0, 1, (10, 11)), (0, 5, (10, 15)), (2, 4, (12, 14))])
def test_span(start: int, end: int, expected: tuple[int, int]) -> None:
    assert MappedText.of("hello", offset=10).span(start, end) == expected


@pytest.mark.parametrize(("start", "end"), [(0, 0), (3, 2), (-1, 2), (0, 6), (5, 6)])
def test_span_outside_the_text_is_an_error(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="not inside a text of 5 characters"):
        MappedText.of("hello").span(start, end)


def test_span_covers_removed_characters_inside_it() -> None:
    mapped = MappedText.of("ab\u200bcd").sub(re.compile("\u200b"), "")
    assert mapped.text == "abcd"
    assert mapped.span(1, 3) == (1, 4)


def test_strip_drops_whitespace_and_its_origins() -> None:
    mapped = MappedText.of(" \n ab c \n", offset=2).strip()
    assert mapped.text == "ab c"
    assert mapped.origin.tolist() == [5, 6, 7, 8]


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_strip_of_blank_text_is_empty(text: str) -> None:
    mapped = MappedText.of(text).strip()
    assert mapped.text == ""
    assert len(mapped.origin) == 0


# --- clean ------------------------------------------------------------------------------------------------------


def test_clean_docstring_example() -> None:
    assert (
        clean("North Korea.Japan\u2019s PM said \u201cno\u201d.  Credit: AP").text
        == 'North Korea. Japan\'s PM said "no".'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("to discuss North Korea.Japan's Prime Minister", "to discuss North Korea. Japan's Prime Minister"),
        (
            'calling the launches "very regrettable".It came hours',
            'calling the launches "very regrettable". It came hours',
        ),
        ("He said \u201cno\u201d.It was", 'He said "no". It was'),
        ("Is it over?Yes it is!Then go", "Is it over? Yes it is! Then go"),
        ("Shares rose 5%.Analysts cheered", "Shares rose 5%. Analysts cheered"),
        ("It fell (again).Markets", "It fell (again). Markets"),
        ('The talks ended."We will fight on," he said.', 'The talks ended. "We will fight on," he said.'),
        ("It ended.\u201cWe go,\u201d he said.", 'It ended. "We go," he said.'),
    ],
)
def test_glued_sentences_are_split(text: str, expected: str) -> None:
    assert clean(text).text == expected


@pytest.mark.parametrize(
    "text", ["The U.S.Army said so", "version 3.5 released", "see example.com today", "A.B. Smith"]
)
def test_things_that_are_not_glued_sentences_stay(text: str) -> None:
    assert clean(text).text == text


def test_glued_space_is_an_insertion_pointing_at_the_next_word() -> None:
    original = "North Korea.Japan's PM"
    mapped = clean(original)
    space = mapped.text.index(" Japan")
    assert mapped.origin[space] == mapped.origin[space + 1] == original.index("Japan")
    assert mapped.span(space + 1, space + 8) == (12, 19)


def test_caption_credit_is_removed_but_the_caption_stays() -> None:
    text = "Para one.\n\nUS Representative Sung Kim speaks with the representative Credit: AP\n\nPara two."
    assert clean(text).text == "Para one.\n\nUS Representative Sung Kim speaks with the representative\n\nPara two."


@pytest.mark.parametrize(
    "credit", ["Credit: AP", "Credits: Reuters/Getty", "Photo: Reuters", "Image credit: EPA", "Pictures: PA Media"]
)
def test_credit_lines_disappear(credit: str) -> None:
    text = f"Title line\n\n{credit}\n\nThe story begins here.\n\n  {credit}  \n\nIt ends here."
    assert clean(text).text == "Title line\n\nThe story begins here.\n\nIt ends here."


def test_credit_after_a_full_stop_is_removed() -> None:
    assert clean("Kim Jong Un recently spoke at a defence exhibition. Credit: AP").text == (
        "Kim Jong Un recently spoke at a defence exhibition."
    )


@pytest.mark.parametrize(
    "text",
    ["Consumer credit: it rose 5% in May.", "Consumer credit rose sharply.", "The Credit: a new report. It says more."],
)
def test_prose_about_credit_is_kept(text: str) -> None:
    assert clean(text).text == text


@pytest.mark.parametrize(
    "line", ["Advertisement", "Share this article", "Getty Images", "Related Topics", "Read more:"]
)
def test_boilerplate_lines_disappear(line: str) -> None:
    assert clean(f"First.\n\n{line}\n\nSecond.").text == "First.\n\nSecond."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LOWMERE, Feb 18 - Two people died.", "LOWMERE, Feb 18.\n\nTwo people died."),
        ("LONDON (Reuters) \u2014 Shares fell.", "LONDON (Reuters).\n\nShares fell."),
        (
            "WASHINGTON, D.C., March 3, 2024 -- The Senate voted.",
            "WASHINGTON, D.C., March 3, 2024.\n\nThe Senate voted.",
        ),
        ("US - China talks resumed.", "US - China talks resumed."),  # not a dateline: no place and date before it
        ("The talks - long delayed - resumed.", "The talks - long delayed - resumed."),
    ],
)
def test_a_dateline_becomes_a_line_of_its_own(text: str, expected: str) -> None:
    cleaned = clean(text)
    assert cleaned.text == expected
    first_word = expected.split("\n\n")[-1].split()[0]
    start = cleaned.text.rfind(first_word)
    assert text[slice(*cleaned.span(start, start + len(first_word)))] == first_word


def test_a_dateline_keeps_single_line_paragraphs_apart() -> None:
    assert clean("PARIS, May 2 - First.\nSecond.\nThird.").text == "PARIS, May 2.\n\nFirst.\n\nSecond.\n\nThird."


@pytest.mark.parametrize(
    "line", ["Read more books, the minister urged parents.", "Follow us on this journey, the coach told fans."]
)
def test_story_lines_that_start_like_boilerplate_are_kept(line: str) -> None:
    assert clean(f"First.\n\n{line}\n\nSecond.").text == f"First.\n\n{line}\n\nSecond."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u201cquoted\u201d and \u2018single\u2019", "\"quoted\" and 'single'"),
        ("\u00abguillemets\u00bb \u201elow\u201f", '"guillemets" "low"'),
        ("North\u2019s 5\u2032 10\u2033", "North's 5' 10\""),
    ],
)
def test_curly_quotes_become_straight(text: str, expected: str) -> None:
    mapped = clean(text)
    assert mapped.text == expected
    assert mapped.origin.tolist() == list(range(len(text)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Line one\r\nline two\r\n\r\nPara two", "Line one line two\n\nPara two"),
        ("Para one\r\nPara two\r\n", "Para one\n\nPara two"),
        ("Mac one\rMac two\r\rMac para", "Mac one Mac two\n\nMac para"),
    ],
)
def test_carriage_returns(text: str, expected: str) -> None:
    mapped = clean(text)
    assert mapped.text == expected
    assert "\r" not in mapped.text
    assert_maps_back(text, mapped)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\tb", "a b"),
        ("a\u00a0b", "a b"),
        ("a \t \u00a0 \u2009b", "a b"),
        ("  leading and trailing  ", "leading and trailing"),
        ("para one   \n\n   para two", "para one\n\npara two"),
        ("one\n\n\n\n\ntwo", "one\n\ntwo"),
        ("  \n\n  ", ""),
        ("", ""),
    ],
)
def test_whitespace_is_normalised(text: str, expected: str) -> None:
    assert clean(text).text == expected


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_zero_width_characters_are_removed(char: str) -> None:
    text = f"{char}Zero{char}width{char} here."
    mapped = clean(text)
    assert mapped.text == "Zerowidth here."
    start = mapped.text.index("here")
    assert text[slice(*mapped.span(start, start + 4))] == "here"


def test_hard_wrapped_paragraphs_are_joined() -> None:
    text = "A paragraph that is\nhard wrapped at\nsome width.\n\nA second one\nalso wrapped."
    assert clean(text).text == "A paragraph that is hard wrapped at some width.\n\nA second one also wrapped."


def test_one_paragraph_per_line_files_keep_their_paragraphs() -> None:
    text = "First paragraph here.\nSecond paragraph here.\nThird one."
    mapped = clean(text)
    assert mapped.text == "First paragraph here.\n\nSecond paragraph here.\n\nThird one."
    assert_maps_back(text, mapped)


def test_offset_shifts_every_origin() -> None:
    body = "North Korea.Japan's PM\n\nCredit: AP\n\nSecond para."
    plain, shifted = clean(body), clean(body, offset=42)
    assert plain.text == shifted.text
    assert (shifted.origin - plain.origin).tolist() == [42] * len(plain.text)


def test_seed_article_is_cleaned() -> None:
    original = SEED.read_text(encoding="utf-8")
    mapped = clean(original)
    assert "North Korea. Japan's Prime Minister" in mapped.text
    assert '"very regrettable". It came' in mapped.text
    assert "Credit:" not in mapped.text
    assert "Korea\u2019s" not in mapped.text and "\u201c" not in mapped.text
    assert "Security Affairs representative\n\nSouth Korea's" in mapped.text


# --- the offset-map invariant on messy inputs ------------------------------------------------------------------


@pytest.mark.parametrize("name", [*MESSY, "seed"])
def test_every_cleaned_character_maps_to_its_original(name: str) -> None:
    original = SEED.read_text(encoding="utf-8") if name == "seed" else MESSY[name]
    assert_maps_back(original, clean(original))


@pytest.mark.parametrize("name", [*MESSY, "seed"])
def test_every_cleaned_word_maps_to_exactly_that_word(name: str) -> None:
    original = SEED.read_text(encoding="utf-8") if name == "seed" else MESSY[name]
    assert_words_map_back(original, clean(original))


@pytest.mark.parametrize("name", list(MESSY))
def test_invariant_holds_with_an_offset(name: str) -> None:
    prefix = "Some title line\r\n\r\n"
    original = prefix + MESSY[name]
    mapped = clean(original[len(prefix) :], offset=len(prefix))
    assert_maps_back(original, mapped)
    assert_words_map_back(original, mapped)


def test_messy_inputs_come_out_clean() -> None:
    for name, original in MESSY.items():
        text = clean(original).text
        leftovers = re.findall(r"[\r\t\u00a0\u2009\u202f\u200b\u200d\u2060\ufeff\u00ad\u201c\u201d\u2019\u00ab]", text)
        assert not leftovers, name
        assert "  " not in text and "\n\n\n" not in text, name
        assert "Credit:" not in text and "Photo:" not in text and "Advertisement" not in text, name
        assert text == text.strip(), name
