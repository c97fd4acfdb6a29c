"""Turning a file's bytes into text: byte-order marks, binary files, and the encodings real collections use."""

from __future__ import annotations

import codecs
import logging

from qa.errors import ArticleError

logger = logging.getLogger(__name__)

# Tried in order. UTF-8 is strict, so a Latin-1 or Windows-1252 file falls through to cp1252; latin-1 decodes
# any byte string, so it is the last resort and never fails.
ENCODINGS = ("utf-8", "cp1252", "latin-1")
# UTF-8 with broken bytes is still read as UTF-8 when it holds this many well-formed non-ASCII characters per
# broken byte (`_mostly_utf8`).
MOSTLY_UTF8 = 10
# UTF-16 and UTF-32 files (Windows Notepad's "Unicode") are full of NUL bytes; their byte-order mark tells them
# from binary files. UTF-32 comes first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(data: bytes, name: str, final: bool = True) -> str:
    """The text of a file's bytes; with `final=False` they are its first part, cut anywhere, and a character
    split by the cut is left out.

    :raises ArticleError: for empty or binary data, or data with a byte-order mark that does not decode.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return str(codecs.getincrementaldecoder(encoding)().decode(data, final))
            except UnicodeDecodeError as error:
                raise ArticleError(f"it starts like {encoding.upper()} text but is not ({error.reason})") from error
    if not data.strip():
        raise ArticleError("it is empty")
    if b"\x00" in data[:8192]:
        raise ArticleError("it looks like a binary file, not text")
    for encoding in ENCODINGS:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(data, final)
        except UnicodeDecodeError:
            if encoding == "utf-8" and (mended := _mostly_utf8(data, name, final)) is not None:
                return mended
            continue
        if encoding != "utf-8":
            logger.info("%s is not UTF-8; read it as %s.", name, encoding)
        return str(text)
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _mostly_utf8(data: bytes, name: str, final: bool) -> str | None:
    """The text of UTF-8 data with a few broken bytes (a bad copy, a truncated character), each replaced by U+FFFD;
    None when the data is not mostly UTF-8.

    Reading such a file as Windows-1252 instead would garble every one of its accented letters and curly quotes
    ("â€™" for "'") to save one broken byte; a Windows-1252 file, whose accented letters are single bytes, almost
    never holds a valid multi-byte UTF-8 sequence, so it still falls through to cp1252.
    """
    text = str(codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data, final))
    broken = text.count("\ufffd") - data.count("\ufffd".encode())
    decoded = sum(1 for char in text if ord(char) > 0x7F and char != "\ufffd")
    if decoded < MOSTLY_UTF8 * broken:
        return None
    logger.warning("%s is UTF-8 but for %d broken bytes; they read as \ufffd.", name, broken)
    return text
