"""The text of a message part, whatever its charset claims.

Mail programs label text wrongly all the time: UTF-8 sent as "us-ascii" or
"iso-8859-1", a charset Python has never heard of, none at all. The email
package's own `get_content` decodes an unknown charset as UTF-8 without a
word, so the bytes are decoded here, in an order that gets each of these
right:

1. the declared charset, strictly: ISO-2022-JP is 7-bit, so it must be read
   as what it says before anything else looks at it. A single-byte charset
   (ASCII, ISO-8859-*, windows-125*) decodes any bytes at all, so when what
   it labels is valid UTF-8 with non-ASCII in it, it is UTF-8 (text that is
   valid UTF-8 by chance is all but unheard of);
2. UTF-8, strictly;
3. detection (charset-normalizer);
4. UTF-8 with a replacement character for what is left.
"""

from __future__ import annotations

import codecs

# Codec names (as `codecs.lookup` gives them) that decode every byte string,
# so that a strict decode proves nothing.
_SINGLE_BYTE = ("ascii", "iso8859", "latin", "cp125", "mac-", "koi8")


def _codec(charset: str | None) -> str | None:
    """Python's name for `charset`, or None if it has no codec."""
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None


def _strictly(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decoded(data: bytes, charset: str | None) -> str:
    """`data` as text, read as `charset` claims where that holds (module
    docstring)."""
    codec = _codec(charset)
    if codec is not None:
        text = _strictly(data, codec)
        if text is not None:
            if codec.startswith(_SINGLE_BYTE) and not data.isascii():
                return _strictly(data, "utf-8") or text
            return text
    if codec != "utf-8":
        text = _strictly(data, "utf-8")
        if text is not None:
            return text
    detected = _detected(data)
    if detected is not None:
        return detected
    return data.decode("utf-8", errors="replace")


# Detection cannot tell single-byte charsets apart on a few lines of text
# (Swedish in Latin-1 reads as well in Central European cp1250, "å" as
# "ĺ"); among the guesses that fit equally well, the one most mail is
# written in wins.
_MOST_USED = ("utf_8", "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251",
              "koi8_r", "shift_jis", "euc_jp", "gb18030", "gb2312", "big5", "euc_kr")
# Text in mail is never UTF-16 or UTF-32 unless it says so (and then step 1
# read it); bytes FF FE are not a byte-order mark in a mislabelled body.
_NEVER_GUESSED = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]


def _detected(data: bytes) -> str | None:
    # Imported here: most mail is what it says it is, and the detector
    # costs 30 ms to import.
    from charset_normalizer import from_bytes

    guesses = from_bytes(data, cp_exclusion=_NEVER_GUESSED)
    best = guesses.best()
    if best is None:
        return None
    equally_good = {guess.encoding: guess for guess in guesses
                    if abs(guess.chaos - best.chaos) < 0.01
                    and abs(guess.coherence - best.coherence) < 0.01}
    chosen = next((equally_good[name] for name in _MOST_USED if name in equally_good), best)
    return str(chosen)


def html_as_text(html: str) -> str:
    """An HTML body as the plain text a person would read: paragraphs,
    lists and tables laid out (inscriptis), scripts and styles left out."""
    if not html.strip():
        return ""
    # Imported here: inscriptis brings lxml, 30 ms, and most mail has a
    # plain-text part.
    from inscriptis import get_text

    try:
        return str(get_text(html))
    except ValueError:
        # lxml refuses a document it cannot make a tree of (only
        # whitespace and comments, or a stray XML declaration).
        return ""
