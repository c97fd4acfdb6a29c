"""Which language a question is in, when it is plainly not English: the articles and the reader are English only.

A question in Spanish retrieves the right passage and still gets "The articles do not answer this", since the reader
finds no English span that answers Spanish words. `question_language` tells the bot why, so that the decline can say
so (`language_note`). The guess is py3langid's naive Bayes over byte n-grams (a 4 MB model shipped in the package,
no download), restricted to `LANGUAGES`, and it names a language only when English is very unlikely: questions are
short and full of names ("Who is Sung Kim?"), and an English question called Indonesian is the failure that costs
most. `benchmarks/language_id.py` measures the choices and picks the thresholds on a tune half.

Example::

    >>> question_language("¿Qué dijo Sung Kim sobre las conversaciones?")
    'Spanish'
    >>> question_language("What did Kim Jong-un say?") is None
    True
    >>> language_note("Spanish")[:56]
    'This looks like Spanish; the articles are in English and'
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # py3langid loads its model (about 1 s) on first use, not on `import qa`
    from py3langid.langid import LanguageIdentifier

# The languages a guess may name: the widely written ones. py3langid's full set of 140 also holds Nigerian Pidgin,
# Javanese, Scots Gaelic, Wu Chinese and Egyptian Arabic, which take the probability of English from short English
# questions full of names and split that of Chinese and Arabic; `benchmarks/language_id.py` measures both sets.
LANGUAGES: dict[str, str] = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "ms": "Malay",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sr": "Serbian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}

# A question is called another language only when the probability of English is at most this, and it holds at least
# `MIN_WORDS` words (each character of a script written without spaces, as Chinese, Japanese and Thai, counting as
# one): below that ("Sung Kim", "Pyongyang?", "Wer ist?") there is too little to go on. Both picked on the tune half
# by `benchmarks/language_id.py`.
MAX_ENGLISH_PROBABILITY = 0.02
MIN_WORDS = 3

_WORD = re.compile(r"[^\W\d_](?:[\w'\u2019-]*\w)?")  # apostrophes and hyphens inside a word: l'ONU, Jay-Z
# Han, kana, Thai, Lao, Myanmar and Khmer: scripts written without spaces between words.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def words(text: str) -> list[str]:
    """The words of `text` that the guess weighs: its runs of letters, without numbers and punctuation; lowered when
    `text` is all capitals (whose n-grams the model has hardly seen).

    >>> words("¿Cuántos misiles lanzó Corea del Norte en 2022?")
    ['Cuántos', 'misiles', 'lanzó', 'Corea', 'del', 'Norte', 'en']
    """
    return _WORD.findall(text.lower() if text.isupper() else text)


def amount(found: list[str]) -> int:
    """How many words `found` make, each character of a script written without spaces counting as one.

    >>> amount(["Who", "is"]), amount(["东京的人口是多少"])
    (2, 8)
    """
    return sum(max(1, len(_UNSPACED.findall(word))) for word in found)


@functools.cache
def identifier() -> LanguageIdentifier:
    """py3langid's identifier with normalised probabilities over `LANGUAGES`, loaded once per process."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    found = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    found.set_languages(list(LANGUAGES))
    return found


def english_probability(text: str) -> tuple[float, str]:
    """The probability that `text` is English and the likeliest language's code, judged on `text` as it is.

    >>> english_probability("Wer ist Sung Kim?")[1]
    'de'
    """
    ranked = identifier().rank(text)
    return dict(ranked).get("en", 0.0), ranked[0][0]


def question_language(text: object) -> str | None:
    """The English name of the language `text` is in, when it is confidently not English; else None.

    None also for anything that is not a string, and for text with too little to go on (empty, digits, a name).

    >>> question_language("Wie viele Einwohner hat Tokio?")
    'German'
    >>> question_language("When did Yukos file for bankruptcy?") is None
    True
    """
    if not isinstance(text, str):
        return None
    found = words(text)
    if amount(found) < MIN_WORDS:
        return None
    english, likeliest = english_probability(" ".join(found))
    if english > MAX_ENGLISH_PROBABILITY or likeliest == "en":
        return None
    return LANGUAGES[likeliest]


def language_note(language: str) -> str:
    """What the bot says when a question in `language` gets no confident answer (or with one, as a caution).

    >>> language_note("French").split("; ")[0]
    'This looks like French'
    """
    return (
        f"This looks like {language}; the articles are in English and the bot reads questions in English only. "
        "Try asking in English."
    )
