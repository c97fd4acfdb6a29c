"""The rule-based reader on passages small enough to read: each question form, each attribution style, declines."""

from __future__ import annotations

import pytest
from haystack import Document

from qa.nlp import load_spacy
from qa.readers.rules.question import Kind, analyse
from qa.readers.rules.quotes import find_quotes, same_speaker
from qa.readers.rules.reader import RuleReader


@pytest.fixture(scope="module")
def reader() -> RuleReader:
    reader = RuleReader()
    reader.warm_up()
    return reader


def _answer(reader: RuleReader, question: str, *passages: str) -> str | None:
    documents = [Document(id=f"p{i}", content=text, meta={"article_id": "a"}) for i, text in enumerate(passages)]
    answers = reader.run(query=question, documents=documents)["answers"]
    top = answers[0]
    if top.data is not None:
        assert top.document is not None and top.document_offset is not None
        content = top.document.content or ""
        assert content[top.document_offset.start : top.document_offset.end] == top.data
    return top.data


@pytest.mark.parametrize(
    "passage",
    [
        '"We will fight for every vote," said party leader Ann Lee on Friday.',
        '"We will fight for every vote," Ann Lee told reporters.',
        'Ann Lee told reporters: "We will fight for every vote."',
        'The rally was loud. "We will fight for every vote," Lee said.',
        'Ann Lee arrived late. "We will fight for every vote," she said.',
        'Ann Lee spoke first. "Our aim is clear," Lee said.\n\n"We will fight for every vote."',
    ],
)
def test_quote_attribution_styles(reader: RuleReader, passage: str) -> None:
    answer = _answer(reader, "What did Ann Lee say?", passage)

    assert answer is not None
    assert "We will fight for every vote" in answer or answer == "Our aim is clear"


def test_reported_speech_without_quote_marks(reader: RuleReader) -> None:
    passage = "The mayor, Ann Lee, said the bridge would reopen in May, adding that repairs were on budget."

    assert _answer(reader, "What did Ann Lee say?", passage) == "the bridge would reopen in May"


@pytest.mark.parametrize(
    ("question", "passage", "expected"),
    [
        (  # reported speech beats a two-word fragment quoted inside it; the fragment is still the speaker's
            "What did Fumio Kishida say?",
            "Japan's Prime Minister Fumio Kishida said there were two ballistic missiles, calling the launches \"very "
            'regrettable". It came hours after the talks.',
            "there were two ballistic missiles",
        ),
        ("What has Kim Jong Un vowed to do?", "Kim Jong Un has vowed to strengthen his deterrent.", "to strengthen"),
        (  # a group, not a person
            "What did analysts say?",
            "North Korea wants concessions, but analysts say Seoul has little room to negotiate.",
            "Seoul has little room to negotiate",
        ),
        (  # the speaker after the words
            "What did the Japanese military say?",
            "Officials met in Seoul. A missile landed in the sea on Tuesday, the Japanese military said.",
            "A missile landed in the sea on Tuesday",
        ),
    ],
)
def test_reported_speech_shapes(reader: RuleReader, question: str, passage: str, expected: str) -> None:
    answer = _answer(reader, question, passage)

    assert answer is not None and answer.startswith(expected)


def test_a_fragment_quoted_in_reported_speech_belongs_to_the_speaker() -> None:
    text = 'Fumio Kishida said there were two missiles, calling the launches "very regrettable". "Ours," he said.'
    quotes = {text[q.start : q.end]: q.speaker for q in find_quotes(load_spacy()(text))}

    assert quotes["very regrettable"] == "Fumio Kishida"
    assert quotes["there were two missiles"] == "Fumio Kishida"


def test_a_role_is_not_someone_with_another_title(reader: RuleReader) -> None:
    passage = '"Universities must live within their means," said Higher Education Minister Daniel Whitcombe.'

    assert _answer(reader, "What did the Prime Minister say about universities?", passage) is None
    expected = "Universities must live within their means"
    assert _answer(reader, "What did the Education Minister say?", passage) == expected


def test_names_the_article_holds_elsewhere_do_not_make_a_passage_answer(reader: RuleReader) -> None:
    """Every word of "Who is the Prime Minister of Japan?" is a name the article holds, so each passage of it counts
    them as given; the answer must still come from the passage that holds them."""
    named = "Japan's Prime Minister Fumio Kishida said there were two missiles."
    other = "Sung Kim referred to the Democratic People's Republic of Korea, the North's official name."

    assert _answer(reader, "Who is the Prime Minister of Japan?", other, named) == "Fumio Kishida"


def test_a_speaker_asked_about_by_role_is_named_in_another_passage(reader: RuleReader) -> None:
    introduced = "President Joe Biden's special envoy for North Korea, Sung Kim, will hold talks in Seoul."
    quoted = '"We are open to meeting without preconditions," Sung Kim told reporters on Monday.'

    answer = _answer(reader, "What did Biden's special envoy say?", introduced, quoted)
    assert answer == "We are open to meeting without preconditions"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who is the Prime Minister of Japan?", "Fumio Kishida"),
        ("Who is the special envoy for North Korea?", "Sung Kim"),
        ("Who is the president of South Korea?", None),  # Biden is a president, Kim an envoy: neither is it
        ("Who is the foreign minister of Japan?", None),
    ],
)
def test_role_questions_want_the_person_holding_that_role(reader: RuleReader, question: str, expected: str) -> None:
    passage = (
        "North Korea fired two missiles near South Korea. Japan's Prime Minister Fumio Kishida called the launches "
        "regrettable. President Joe Biden's special envoy for North Korea, Sung Kim, will visit Seoul."
    )
    assert _answer(reader, question, passage) == expected


@pytest.mark.parametrize(
    ("question", "passage", "expected"),
    [
        (  # the speaker's title after a possessive, and the next quote in the paragraph is still theirs
            "What did Okonkwo-Strand say?",
            '"This is the day Karnov changes," said Veltra\'s chief executive, Mireille Okonkwo-Strand, at the '
            'opening. "Every battery counts."',
            {"This is the day Karnov changes", "Every battery counts."},
        ),
        (  # "told <a court> that", with a quote inside the reported words; "Judge" is a title
            "What did Judge Cordelia Amadi say?",
            'Judge Cordelia Amadi told the Regional Court that Halloran had "sold the trust of his office" for years. '
            '"He was no junior clerk," Judge Amadi said.',
            {
                'Halloran had "sold the trust of his office" for years',
                "sold the trust of his office",
                "He was no junior clerk",
            },
        ),
        (  # the article's only leader, though the text does not repeat the party's name in the title
            "What did the Civic Alliance leader say?",
            "The Civic Alliance lost.\n\nParty leader Stellan Oduya said the party had lost touch with voters.",
            {"the party had lost touch with voters"},
        ),
    ],
)
def test_who_said_what_in_harder_shapes(reader: RuleReader, question: str, passage: str, expected: set[str]) -> None:
    document = Document(id="p", content=passage, meta={"article_id": "a"})
    answers = reader.run(query=question, documents=[document])["answers"]

    assert {answer.data for answer in answers} == expected


def test_a_name_that_is_not_the_subject_of_the_speech_verb_is_not_the_speaker(reader: RuleReader) -> None:
    passage = "The barrister who had represented Mr Martin had said the rules favoured the householder."

    assert _answer(reader, "What did Tony Martin say?", passage) is None


@pytest.mark.parametrize(
    "passage",
    [
        "And at last week's Birmingham Grand Prix, Claxton left the favourite trailing.",  # when and where, not who
        "The rise would not affect the Claxton Party's chances.",  # a bare "the" describes nothing
    ],
)
def test_no_description_is_made_of_scene_setting(reader: RuleReader, passage: str) -> None:
    assert _answer(reader, "Who is Claxton?", passage) is None


def test_an_unattributed_quote_after_someone_else_is_named_is_not_the_first_speakers() -> None:
    text = '"A plan," said Ann Lee. Bob Stone disagreed: "No way."'
    quotes = {text[q.start : q.end]: q.speaker for q in find_quotes(load_spacy()(text))}

    assert quotes == {"A plan": "Ann Lee", "No way.": None}


def test_quote_by_someone_else_is_not_attributed(reader: RuleReader) -> None:
    passage = '"We will never negotiate," said Kim Jong Un. Sung Kim arrived in Seoul on Monday.'

    assert _answer(reader, "What did Sung Kim say?", passage) is None


@pytest.mark.parametrize(
    ("question", "passage", "expected"),
    [
        ("When did the factory close?", "The Leeds factory closed on 12 March after 40 years.", "12 March"),
        ("Where did the ministers meet?", "Finance ministers met in Brussels to discuss the budget.", "Brussels"),
        ("How many jobs were lost?", "The closure cost 350 jobs across the region.", "350"),
        ("How long did the strike last?", "The strike, which began in 2019, lasted six weeks.", "six weeks"),
        ("Who founded the company?", "The company was founded by Maria Costa in Lisbon.", "Maria Costa"),
        ("Who is Maria Costa?", "Chief executive Maria Costa said profits rose.", "Chief executive"),
        ("Who is Maria Costa?", "The firm's founder, Maria Costa, said profits rose.", "founder"),
        ("What did the council approve?", "The council approved a new cycle lane on Monday.", "a new cycle lane"),
        # a person the question names is not its answer
        ("Who did Marsh beat?", "Teodora Marsh beat Colm Ferreira by 412 votes.", "Colm Ferreira"),
        # "when" wants a moment, not the length of a sentence
        ("When was Halloran sentenced?", "Halloran was sentenced to six years in prison on Tuesday.", "Tuesday"),
        ("When will Marsh take office?", "Marsh will take office in about three weeks.", "about three weeks"),
        # "how many homes": the number of homes, even one the entity recogniser missed
        ("How many homes were flooded?", "Two people died and more than 900 homes were flooded.", "more than 900"),
        ("How old is the boat?", "The boat, found in 2019, is 3,500 years old.", "3,500 years"),
        # an amount in words spaCy calls a CARDINAL
        ("How much did the government give?", "The government gave 48 million euros in grants.", "48 million euros"),
        ("How much is the silver worth?", "The silver is worth about \u00a32.3m, experts say.", "\u00a32.3m"),
    ],
)
def test_short_typed_answers(reader: RuleReader, question: str, passage: str, expected: str) -> None:
    answer = _answer(reader, question, passage)

    assert answer is not None and expected in answer
    assert len(answer) <= len(expected) + 25


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 2018 FIFA World Cup?",
        "What is the population of Tokyo?",
        "How old is Maria Costa?",  # 1994 is when she founded the firm, not her age
        "How much does Maria Costa earn?",  # "two" is no amount
    ],
)
def test_declines_what_the_passage_does_not_say(reader: RuleReader, question: str) -> None:
    passage = (
        "Chief executive Maria Costa, who founded the firm in 1994, said profits rose by 8% in the year to March, "
        "helped by exports. She earns a salary and has two cars."
    )

    assert _answer(reader, question, passage) is None


def test_no_documents_is_a_decline(reader: RuleReader) -> None:
    answers = reader.run(query="Who is Sung Kim?", documents=[])["answers"]

    assert [answer.data for answer in answers] == [None]


def test_run_before_warm_up_says_so() -> None:
    with pytest.raises(RuntimeError, match="warm_up"):
        RuleReader().run(query="Who?", documents=[Document(content="x")])


@pytest.mark.parametrize(
    ("question", "kind", "focus"),
    [
        ("What did Sung Kim say?", Kind.QUOTE, "Sung Kim"),
        ("What did council leader Tom Reyes tell reporters?", Kind.QUOTE, "Tom Reyes"),
        ("What was Ann Lee quoted as saying?", Kind.QUOTE, "Ann Lee"),
        ("Who is Sung Kim?", Kind.DEFINITION, "Sung Kim"),
        ("How many missiles were fired?", Kind.ENTITY, None),
        ("Why did the talks stall?", Kind.REASON, None),
        ("What did Fumio Kishida call the launches?", Kind.PHRASE, None),
    ],
)
def test_question_kinds(question: str, kind: Kind, focus: str | None) -> None:
    analysed = analyse(question, load_spacy())

    assert analysed.kind is kind
    assert analysed.focus == focus


@pytest.mark.parametrize(
    ("asked", "attributed", "same"),
    [
        ("Sung Kim", "Kim", True),
        ("Sung Kim", "Sung Kim", True),
        ("Sung Kim", "Kim Jong Un", False),
        ("Fumio Kishida", "Japan's Prime Minister Fumio Kishida", True),
        ("Kishida", "Prime Minister Fumio Kishida", True),
        ("Sung Kim", "Joe Biden", False),
    ],
)
def test_same_speaker(asked: str, attributed: str, same: bool) -> None:
    assert same_speaker(asked, attributed) is same


def test_find_quotes_continuation_and_pronoun() -> None:
    text = 'Ann Lee spoke. "First part," she said.\n\n"Second part."\n\nBob Ray disagreed.'
    quotes = find_quotes(load_spacy()(text))

    assert [(text[q.start : q.end], q.speaker) for q in quotes] == [
        ("First part", "Ann Lee"),
        ("Second part.", "Ann Lee"),
    ]


def test_a_caption_without_a_full_stop_is_a_sentence_of_its_own() -> None:
    text = "Sung Kim speaks after a meeting in Seoul\n\nThe office was planning to hold a meeting.\nA new line."
    sentences = [sentence.text.strip() for sentence in load_spacy()(text).sents]

    assert sentences == [
        "Sung Kim speaks after a meeting in Seoul",
        "The office was planning to hold a meeting.",
        "A new line.",
    ]
