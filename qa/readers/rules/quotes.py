"""Who said what: quotations and reported speech in a passage, each with its speaker.

News attributes quotes in a handful of shapes, which these patterns cover::

    "...," Sung Kim told reporters.        "...," said Sung Kim.        Kim said: "..."
    "..." (a paragraph of its own, after a paragraph quoting Kim: Kim again)
    Fumio Kishida said there were two ballistic missiles, calling ...   (reported speech)

A pronoun speaker ("he said") is the last person named before it. Cleaning has already turned curly quotes
straight, so only `"` needs handling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span

from qa.ingest.spans import strip_span
from qa.nlp import HONORIFICS
from qa.readers.rules.speech import NAME_PARTICLE_FORMS, REPORTING_FORMS, SPEECH_FORMS

# A capitalised word; a full stop only after an initial or a title, so "said Kim Jong Un. Sung Kim ..." stops at "Un".
_NAME_WORD = r"(?:[A-Z]\.|(?:Mr|Mrs|Ms|Dr|St|Jr)\.|[A-Z][\w'-]*)"
_NAME = rf"(?:(?:{NAME_PARTICLE_FORMS})\s+)?(?:{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|{NAME_PARTICLE_FORMS}))*)"
# "the sheriff", "the hospital's chief executive", "the Japanese military": a role, resolved to the person who
# holds it (`_resolve`).
_ROLE = r"(?:the|The)\s+(?:[A-Za-z][\w-]*(?:'s)?\s+){0,3}?[a-z][\w-]*"
_SPEAKER = rf"(?:{_NAME}|he|she|He|She|{_ROLE})"
# Lower-case words of a title before a name: "governor Anneli Rask told reporters".
_TITLE_WORDS = r"(?:[a-z][\w-]*\s+){0,3}?"
# A quotation closes with a quote mark, or runs on to the end of its paragraph: news leaves a quote that goes on
# in the next paragraph unclosed, and opens that paragraph with a fresh quote mark.
_QUOTE = re.compile(r'"([^"\n]{2,})(?:"|(?=\n)|$)')
_AFTER = re.compile(
    rf"\s*[,.]?\s*(?:(?:{SPEECH_FORMS})\s+(?:(?:the|a|an|[a-z][\w-]*|[A-Z][\w-]*'s),?\s+){{0,5}}?(?P<s1>{_NAME})(?![\w'-])(?<!'s)|{_TITLE_WORDS}(?P<s2>{_SPEAKER}),?\s+(?:has\s+|had\s+|also\s+)?"
    rf"(?:{SPEECH_FORMS})\b)"
)
_BEFORE = re.compile(rf"(?P<s>{_SPEAKER}),?\s+(?:has\s+|had\s+|also\s+)?(?:{SPEECH_FORMS})\b[^\".!?]{{0,40}}?[:,]?\s*$")
# Groups quoted as one voice: "analysts say", "officials said", "the South Korean and Japanese militaries said".
_GROUP = r"(?:(?:the|The)\s+)?(?:(?:[A-Z][\w-]*|[a-z][\w-]*|and)\s+){0,4}?(?!(?:ha|i|wa|doe)s\b)[a-z][\w-]*s"
# "told reporters", "told the Brackenfield Regional Court that".
_REPORTING = rf"(?:told(?:\s+[\w'-]+){{1,5}}?(?=\s+that\b)|told\s+\w+|{REPORTING_FORMS})"
_REPORTED = re.compile(
    rf"(?P<s>{_SPEAKER}|{_GROUP}),?\s+(?:has\s+|have\s+|had\s+|also\s+)?{_REPORTING}\s+(?:that\s+)?"
    rf"(?P<clause>(?:[^\"\n.;]|\"[^\"\n]*\")+?)(?=,\s+\w+ing\b|,\s+(?:but|and)\b|[.;\n]|$)"
)
# Reported speech with the speaker last: "North Korea launched a missile on Tuesday, the militaries said."
_REPORTED_AFTER = re.compile(
    rf"(?:^|(?<=[.!?]\s)|(?<=\n))(?P<clause>[^\"\n.;]{{10,}}?),\s+(?P<s>{_SPEAKER}|{_GROUP})\s+"
    rf"(?:said|says|reported|told\s+\w+)(?:\s+on\s+\w+)?\."
)
_TITLES = HONORIFICS | frozenset(
    {
        "prime",
        "minister",
        "secretary",
        "general",
        "sen",
        "senator",
        "rep",
        "representative",
        "gov",
        "governor",
        "king",
        "queen",
        "prince",
        "princess",
        "chief",
        "chairman",
        "chairwoman",
        "ceo",
        "director",
        "envoy",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "leader",
        "judge",
        "justice",
        "mayor",
        "councillor",
        "inspector",
        "detective",
        "superintendent",
        "commissioner",
        "sergeant",
        "constable",
        "captain",
        "colonel",
        "major",
        "coach",
        "bishop",
        "the",
    }
)
_TRAILING = ",;:"  # after a quote or a clause, not part of it


@dataclass(frozen=True)
class Quote:
    """Words attributed to a speaker, as character offsets into the passage text.

    :param direct: quoted words (between quote marks) rather than reported speech.
    """

    start: int
    end: int
    speaker: str | None
    direct: bool


def find_quotes(doc: Doc) -> list[Quote]:
    """The quotes and reported speech in a parsed passage, in text order."""
    text = doc.text
    quotes: list[Quote] = []
    previous: Quote | None = None
    for match in _QUOTE.finditer(text):
        start, end = strip_span(text, match.start(1), match.end(1), _TRAILING)
        speaker = _speaker_after(text, match.end()) or _speaker_before(text, match.start())
        if speaker is None and previous is not None and _continues(doc, previous, match.start()):
            speaker = previous.speaker
        elif speaker is not None:
            speaker = _resolve(doc, speaker, match.start())
        quote = Quote(start, end, speaker, direct=True)
        quotes.append(quote)
        previous = quote
    attributions = [match.end() for match in _QUOTE.finditer(text)]
    reported: list[Quote] = []
    for match in [*_REPORTED.finditer(text), *_REPORTED_AFTER.finditer(text)]:
        if any(end <= match.start() and text[end : match.start()].strip(" ,.") == "" for end in attributions):
            continue  # the attribution of a direct quote ('"...," Kim told reporters on Monday'), not speech
        if not _is_subject(doc, match.start("s"), match.end("s")):
            continue  # "The barrister who represented Mr Martin had said ...": Mr Martin said nothing
        speaker = _resolve(doc, match.group("s"), match.start()) or match.group("s")
        start, end = strip_span(text, match.start("clause"), match.end("clause"), _TRAILING)
        if end - start > 3 and not any(q.start <= start < q.end for q in quotes):
            reported.append(Quote(start, end, speaker, direct=False))
    quotes = [_speaker_from_reported(text, quote, reported) for quote in quotes]
    return sorted(quotes + reported, key=lambda quote: quote.start)


def _is_subject(doc: Doc, start: int, end: int) -> bool:
    """Whether the words at `start:end` are the subject of the verb after them, as the parse sees it."""
    words = doc.char_span(start, end, alignment_mode="expand")
    if words is None:
        return False
    root = words[-1]  # a speaker phrase ends in its head: "Prime Minister Fumio Kishida", "the Japanese militaries"
    while root.dep_ == "appos" and root.head.i != root.i:  # "The mayor, Ann Lee, said": the mayor is the subject
        root = root.head
    return root.dep_ in ("nsubj", "nsubjpass") and root.head.i >= words.end


def _speaker_from_reported(text: str, quote: Quote, reported: list[Quote]) -> Quote:
    """A quote with no speaker of its own, later in a sentence of reported speech, is that speaker's: 'Kishida said
    there were two missiles, calling the launches "very regrettable"'."""
    if quote.speaker is not None:
        return quote
    for speech in reversed(reported):
        between = text[speech.end : quote.start]
        if speech.end <= quote.start and not re.search(r"[.!?]\s|\n", between):
            return replace(quote, speaker=speech.speaker)
    return quote


def same_speaker(asked: str, attributed: str) -> bool:
    """Whether `attributed` ("Kim", "Prime Minister Fumio Kishida") can be the person `asked` about ("Sung Kim").

    A one-word name must be the first or last name asked about; longer names must contain, or be contained in, the
    name asked about, so "Kim Jong Un" is not "Sung Kim".

    Example::

        >>> same_speaker("Sung Kim", "Kim"), same_speaker("Sung Kim", "Kim Jong Un")
        (True, False)
    """
    asked_words, said_words = _name_words(asked), _name_words(attributed)
    if not asked_words or not said_words:
        return False
    if len(said_words) == 1 and len(asked_words) > 1:
        return said_words[0] in (asked_words[0], asked_words[-1])
    return set(asked_words) <= set(said_words) or set(said_words) <= set(asked_words)


def _name_words(name: str) -> list[str]:
    words = [re.sub(r"'s$", "", word.lower()) for word in re.findall(r"[\w'.-]+", name)]
    return [word.strip(".") for word in words if word.strip(".") and word.strip(".") not in _TITLES]


def _speaker_after(text: str, position: int) -> str | None:
    match = _AFTER.match(text, position)
    if match is None:
        return None
    return match.group("s1") or match.group("s2")


def _speaker_before(text: str, position: int) -> str | None:
    sentence_start = max(text.rfind(mark, 0, position) for mark in (". ", "? ", "! ", "\n"))
    match = _BEFORE.search(text, max(sentence_start, 0), position)
    return match.group("s") if match else None


def _continues(doc: Doc, previous: Quote, position: int) -> bool:
    """Whether a quote with no attribution of its own goes on with the speaker of `previous`: it opens the paragraph
    after the one holding `previous`, or follows it in the same paragraph with nobody else named in between
    ('"...," said Okonkwo-Strand at the opening. "Every battery ..."')."""
    text = doc.text
    if "\n" in text[previous.end : position]:
        paragraph_start = text.rfind("\n", 0, position) + 1
        return text[paragraph_start:position].strip() == ""
    return not any(
        ent.label_ == "PERSON"
        and previous.end <= ent.start_char < position
        and not (previous.speaker and same_speaker(previous.speaker, ent.text))
        for ent in doc.ents
    )


def _resolve(doc: Doc, speaker: str, position: int) -> str | None:
    """A name stays; "he"/"she" is the last person named before `position`; "the sheriff" is the last person named
    before it with "sheriff" in their title."""
    if speaker.lower() in ("he", "she"):
        people = [ent.text for ent in doc.ents if ent.label_ == "PERSON" and ent.end_char <= position]
        return people[-1] if people else None
    if speaker.lower().startswith("the "):
        role = speaker.lower().split()
        return described_person(doc, (role[-1],), before=position, head_required=True) or speaker
    return speaker


def described_person(
    doc: Doc, descriptor: tuple[str, ...], before: int | None = None, head_required: bool = False
) -> str | None:
    """The person the text describes by `descriptor` (a head noun, then its modifiers), from the words just before
    the name or in an apposition after it: ("engineer", "chief") finds "Its chief engineer, Tobias Renner, warned",
    ("executive", "chief") "Dr Priya Nandakumar, the hospital's chief executive, said" (see `_role_fit`). With
    `before`, only people named before that offset count, and the latest wins ties."""
    if not descriptor:
        return None
    best, best_score = None, 0
    for person in (ent for ent in doc.ents if ent.label_ == "PERSON"):
        if before is not None and person.end_char > before:
            continue
        score = _role_fit(person, descriptor, head_required)
        if score >= best_score and score > 0:
            best, best_score = person.text, score
    return best


def people_called(doc: Doc, title: str) -> set[str]:
    """The people the text gives `title` ("leader" for "Party leader Stellan Oduya")."""
    return {ent.text for ent in doc.ents if ent.label_ == "PERSON" and title in title_words(ent)}


def _role_fit(entity: Span, descriptor: tuple[str, ...], head_required: bool = False) -> int:
    """How well the words around `entity` say it is `descriptor` (head noun, then modifiers): 0 when they do not.

    Every modifier must be there, or the head noun with at least half of them: "the Westmara chief executive" is
    "the company's chief executive", but "the Prime Minister" is not "the Agriculture Minister". The head noun
    may be missing (a synonym: "boss" for "managing director") unless `head_required`."""
    head, modifiers = descriptor[0], set(descriptor[1:])
    words = title_words(entity)
    present = modifiers & words
    if not (present == modifiers or (head in words and present and 2 * len(present) >= len(modifiers))):
        return 0
    if head_required and head not in words:
        return 0
    return len(present) + (head in words)


def title_words(person: Span) -> set[str]:
    """Lower-cased words and lemmas around a name that may say who the person is."""
    doc = person.doc
    around = list(doc[max(person.sent.start, person.start - 6) : person.end])
    if person.end < len(doc) and doc[person.end].text == ",":  # an apposition: "X, the hospital's chief executive,"
        for token in doc[person.end + 1 : min(person.sent.end, person.end + 9)]:
            if token.text in (",", ".", ";"):
                break
            around.append(token)
    return {re.sub(r"'s$", "", token.lower_) for token in around} | {token.lemma_.lower() for token in around}
