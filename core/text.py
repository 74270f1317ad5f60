"""What a line of text may hold, and how text from data is shown.

Everything people and customers write ends up on someone's terminal: a
subject, a label, a name, an email. A terminal obeys what it is sent, so an
escape (U+001B) in a subject can retitle the window, colour the board or move
the cursor, and a direction override (U+202E) or a zero-width space makes
text read other than it is. Two rules, decided here once (docs/text.md):

- On input, a single-line field (a subject, a label, a name, an option, a
  text value) holds printable text only: no control characters, no line
  breaks, no direction controls, no invisible characters. A multi-line field
  (a description, a template's body, a comment) may also hold new lines and
  tabs. `check_line` and `check_text` refuse anything else with a message
  naming the field, the character and where it is.
- On output, every surface shows text that came from data through
  `show_line` (one row: a table cell, a card, a header) or `show_text`
  (several lines), so that data written before these rules, or by hand, is
  harmless too: each character a field may not hold is shown as one visible
  character (a control picture such as ␛ for an escape, ␤ for a line break in
  one row, else �). One character for one keeps text the same length, so a
  caller's offsets into it stay right.

JSON output is not shown through these: it is exact, and `json_safe`
escapes what a terminal would obey, as JSON may.
"""

from __future__ import annotations

import re

from core.errors import DeskError

# -- the classes of characters a field may not hold ----------------------------------

# Line breaks of every kind; a multi-line field keeps only "\n" (and "\r\n",
# read as "\n").
_LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"
# Direction controls: marks, embeddings, overrides, isolates (Trojan-source
# text reads in another order than it is stored).
_DIRECTION = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Characters that draw nothing and are not joiners: zero-width space, soft
# hyphen, word joiner and invisible operators, the byte-order mark, Hangul
# fillers (blank "letters"), the interlinear annotation marks, tag
# characters (invisible ASCII: text hidden from the reader).
_INVISIBLE = ("\u00ad\u115f\u1160\u180e\u200b\u2060-\u2064\u206a-\u206f\u3164\ufeff"
              "\uffa0\ufff9-\ufffb\U000e0000-\U000e007f")
# Zero-width (non-)joiners: they join letters in Persian and Indic scripts
# and make emoji sequences (👩‍💻), so they are kept between two visible
# characters, and only there.
_JOINERS = "\u200c\u200d"
# Lone surrogates: what Python makes of bytes that are not UTF-8 (a command
# line argument, a file name); they cannot be written anywhere.
_SURROGATES = "\ud800-\udfff"

_CONTROLS = "\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f"  # C0, DEL, C1, but line breaks

_NOT_IN_LINE = re.compile(f"[\t{_LINE_BREAKS}{_CONTROLS}{_DIRECTION}{_INVISIBLE}"
                          f"{_JOINERS}{_SURROGATES}]")
_NOT_IN_TEXT = re.compile(f"[\r\x0b\x0c\x85\u2028\u2029{_CONTROLS}{_DIRECTION}{_INVISIBLE}"
                          f"{_JOINERS}{_SURROGATES}]")


def _kind(char: str) -> str:
    """What `char` is, said for the person who typed it."""
    point = ord(char)
    if char in _LINE_BREAKS:
        return "a line break"
    if char == "\t":
        return "a tab"
    if 0xDC80 <= point <= 0xDCFF:
        return f"a byte that is not UTF-8 text (0x{point - 0xDC00:02X})"
    if 0xD800 <= point <= 0xDFFF:
        return "half of a character"
    if re.fullmatch(f"[{_CONTROLS}]", char):
        return "a control character"
    if re.fullmatch(f"[{_DIRECTION}]", char):
        return "a text-direction control"
    return "an invisible character"


def _joins(text: str, at: int) -> bool:
    """A joiner at `at` sits between two visible characters."""
    if not 0 < at < len(text) - 1:
        return False
    before, after = text[at - 1], text[at + 1]
    return not (before.isspace() or after.isspace()
                or _NOT_IN_LINE.match(before) or _NOT_IN_LINE.match(after))


def _first_refused(text: str, pattern: re.Pattern[str]) -> int | None:
    for found in pattern.finditer(text):
        at = found.start()
        if text[at] in _JOINERS and _joins(text, at):
            continue
        return at
    return None


def _refusal(field: str, text: str, at: int, several_lines: bool, hint: str = "") -> DeskError:
    char = text[at]
    point = ord(char)
    code = "" if 0xDC80 <= point <= 0xDCFF else f" (U+{point:04X})"
    where = f"at position {at + 1}"
    if char in _LINE_BREAKS and not several_lines:
        return DeskError(f"{field} is one line of text, but holds a line break{code} {where}"
                         + (f"; {hint}." if hint else "."))
    if char in _LINE_BREAKS:
        return DeskError(f"{field} holds a line break other than a plain new line{code} "
                         f"{where}; use a plain new line.")
    return DeskError(f"{field} holds {_kind(char)}{code} {where}; pipedesk keeps printable "
                     "text only.")


def check_line(text: str, field: str, hint: str = "") -> str:
    """`text` if a single-line field may hold it, else a DeskError naming
    `field` ("Subject", "The stage label"), the character and its position;
    `hint` says what to do about a line break."""
    at = _first_refused(text, _NOT_IN_LINE)
    if at is not None:
        raise _refusal(field, text, at, several_lines=False, hint=hint)
    return text


def check_text(text: str, field: str) -> str:
    """`text` as a multi-line field keeps it (new lines and tabs allowed;
    "\\r\\n" becomes "\\n"), else a DeskError as `check_line` gives."""
    text = text.replace("\r\n", "\n")
    at = _first_refused(text, _NOT_IN_TEXT)
    if at is not None:
        raise _refusal(field, text, at, several_lines=True)
    return text


# -- showing text that came from data ---------------------------------------------------

# C0 controls have pictures of their own (␀ … ␟), DEL too (␡).
_PICTURES: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20)}
_PICTURES[0x7F] = "\u2421"
NEW_LINE_MARK = "\u2424"  # ␤: a line break, in one row
UNSHOWABLE = "\ufffd"  # �: anything else a field may not hold


def _shown_char(text: str, at: int, one_row: bool) -> str:
    char = text[at]
    point = ord(char)
    if char in _JOINERS:
        return char if _joins(text, at) else UNSHOWABLE
    if char == "\t":
        return " " if one_row else char
    if char == "\n":
        return NEW_LINE_MARK if one_row else char
    if char == "\r" and not one_row and text[at + 1:at + 2] == "\n":
        return " "  # a CRLF line end reads as a plain one
    if char in "\x85\u2028\u2029":
        return NEW_LINE_MARK if one_row else "\n"
    return _PICTURES.get(point, UNSHOWABLE)


def _shown(text: str, pattern: re.Pattern[str], one_row: bool) -> str:
    # Nearly always: leave it as it is. Printable ASCII (with new lines and
    # tabs where they stay) is found so at C speed: a list of 50,000
    # tickets shows 250,000 cells.
    if text.isascii():
        plain = text if one_row else text.replace("\n", "").replace("\t", "")
        if plain.isprintable():
            return text
    if pattern.search(text) is None:
        return text
    parts: list[str] = []
    last = 0
    for found in pattern.finditer(text):
        at = found.start()
        parts += (text[last:at], _shown_char(text, at, one_row))
        last = at + 1
    parts.append(text[last:])
    return "".join(parts)


def show_line(text: str) -> str:
    """`text` for one row on a terminal: whatever a single-line field may
    not hold is shown as one visible character (line breaks as ␤, tabs as a
    space), joiners are kept where they join."""
    return _shown(text, _NOT_IN_LINE, one_row=True)


def show_text(text: str) -> str:
    """`text` on several lines: new lines and tabs stay, everything else as
    `show_line` shows it (the other line breaks become new lines)."""
    return _shown(text, _NOT_IN_TEXT, one_row=False)


def plain_line(text: str) -> str:
    """`text` as one line of plain words, for where a control picture would
    be out of place (an email's header, which a customer's mail program
    shows): whatever a single-line field may not hold becomes a space
    (joiners stay where they join), runs of spaces one."""
    if text.isascii() and text.isprintable():
        return " ".join(text.split())
    return " ".join(_NOT_IN_LINE.sub(
        lambda found: found.group() if found.group() in _JOINERS
        and _joins(text, found.start()) else " ", text).split())


def fits_line(text: str) -> bool:
    """Does `text` hold only what a single-line field may (`check_line`)?"""
    return _first_refused(text, _NOT_IN_LINE) is None


# -- JSON ------------------------------------------------------------------------------

_JSON_ESCAPED = re.compile(f"[{_CONTROLS}\x85\u2028\u2029{_DIRECTION}{_INVISIBLE}{_JOINERS}"
                           f"{_SURROGATES}]")


def json_safe(encoded: str) -> str:
    """JSON text (as `json.dumps(..., ensure_ascii=False)` writes it) with
    every character a terminal could obey or hide written as a \\uXXXX
    escape: the same JSON value, harmless to print. (JSON escapes C0
    controls itself, not C1 ones, direction controls or invisible ones.)"""
    return _JSON_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)
