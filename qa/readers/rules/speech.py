"""The words news uses to attribute speech and to write names, shared by reading questions and reading passages.

A question is read with the same vocabulary as the passages that answer it: "What did Kim warn?" finds the words
after "Kim warned"; and a name particle allowed in a question's speaker ("Anneke de Vries") is allowed in a
passage's.
"""

from __future__ import annotations

# Verbs that attribute speech, each with the forms news writes it in.
SPEECH_VERBS: tuple[tuple[str, ...], ...] = (
    ("say", "says", "said", "saying"),
    ("tell", "tells", "told", "telling"),
    ("warn", "warns", "warned"),
    ("add", "adds", "added"),
    ("state", "states", "stated"),
    ("claim", "claims", "claimed"),
    ("explain", "explained"),
    ("announce", "announced"),
    ("insist", "insisted"),
    ("argue", "argued"),
    ("note", "noted"),
    ("write", "wrote"),
    ("reply", "replied"),
    ("respond", "responded"),
    ("declare", "declared"),
    ("comment", "commented"),
    ("stress", "stressed"),
    ("admit", "admitted"),
    ("predict", "predicted"),
    ("promise", "promised"),
    ("vow", "vowed"),
    ("caution", "cautioned"),
    ("confirm", "confirmed"),
    ("deny", "denied"),
    ("pledge", "pledged"),
    ("threaten", "threatened"),
)
# Every form, as a regular-expression alternation.
SPEECH_FORMS = "|".join(form for forms in SPEECH_VERBS for form in forms)
# Reported speech ("X warned that ..."): the past forms, and the present of "say".
REPORTING_FORMS = "|".join(
    ["says", "say"] + [form for forms in SPEECH_VERBS for form in forms[1:] if form.endswith(("ed", "id", "ote"))]
)
# Lower-case words inside a name: "Anneke de Vries", "Omar bin Said".
NAME_PARTICLES = ("de", "van", "von", "der", "al", "el", "da", "di", "du", "le", "la", "bin")
NAME_PARTICLE_FORMS = "|".join(NAME_PARTICLES)
