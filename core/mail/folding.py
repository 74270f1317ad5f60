"""What of a message's text a screen folds away (C1): the quoted history a
reply carries, and the sender's signature. The text itself stays whole;
this only says which lines are which.

The reply headers ("On … wrote:", "Den … skrev:", "Op … schreef:", "Am …
schrieb:", Outlook's "From: … Sent: …" block in each language) are
mail-parser-reply's patterns, which know a dozen languages; the rest is
ours: lines quoted with ">", the "-- " signature separator (RFC 3676), a
mobile client's "Sent from my …", and a forwarded or original message's
"-----Original Message-----" line in any language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

FoldKind = Literal["body", "quote", "signature"]

# The help articles' languages and their neighbours.
_LANGUAGES = ("en", "sv", "da", "nl", "de", "fr", "es", "it", "pl")
# "-----Original Message-----", "-----Ursprungligt meddelande-----",
# "-----Opprinnelig melding-----", "-----Oorspronkelijk bericht-----" …
_SEPARATOR = re.compile(r"^\s*-{4,}\s*[^-\n]{3,50}?\s*-{4,}\s*$")
_OUTLOOK_RULE = re.compile(r"^\s*_{20,}\s*$")
# What the library's patterns miss: Gmail's Dutch ("Op … schreef NAME:"),
# Apple Mail's ("… heeft NAME het volgende geschreven:").
_MORE_HEADERS = [re.compile(r"^(?:> ?)*Op\s.+\sschreef\s.+:\s*$", re.MULTILINE),
                 re.compile(r"^(?:> ?)*.+\sheeft\s.+\shet volgende geschreven:\s*$",
                            re.MULTILINE)]


@dataclass(frozen=True)
class Fold:
    """A run of lines: the message's own words ("body", shown), or quoted
    history or a signature (`folded`: shown as one line until opened)."""

    text: str
    folded: bool
    kind: FoldKind

    @property
    def lines(self) -> int:
        """How many lines it holds (the blank ones it ends with not counted)."""
        kept = self.text.rstrip("\n")
        return kept.count("\n") + 1 if kept else 0


@cache
def _patterns() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]], re.Pattern[str]]:
    """Reply headers (one line, and the Outlook blocks) and sign-offs."""
    from mailparser_reply.constants import MAIL_LANGUAGES

    wrote, blocks, sent_from = list(_MORE_HEADERS), [], []
    for language in _LANGUAGES:
        found = MAIL_LANGUAGES.get(language, {})
        if found.get("wrote_header"):
            wrote.append(re.compile(found["wrote_header"], re.MULTILINE))
        if found.get("from_header"):
            blocks.append(re.compile(found["from_header"], re.MULTILINE))
        if found.get("sent_from"):
            sent_from.append(found["sent_from"])
    mobile = re.compile(rf"^\s*(?:{'|'.join(sent_from)})\b", re.IGNORECASE)
    return wrote, blocks, mobile


def folded(text: str) -> list[Fold]:
    """`text` as runs of body, quote and signature, in order."""
    if not text:
        return []
    lines = text.split("\n")
    history = _history_start(text, lines)
    header_only: int | None = None
    if history is not None and _quoted_after(lines, history):
        # "On … wrote:" over "> " lines: the header goes with the quote, and
        # answers written between the quoted lines stay shown.
        header_only, history = history, None
    kinds: list[FoldKind] = []
    _wrote, _blocks, mobile = _patterns()
    in_signature = False
    for n, line in enumerate(lines):
        if history is not None and n >= history or n == header_only \
                or line.lstrip().startswith(">"):
            kinds.append("quote")
        elif line in ("-- ", "--") or mobile.match(line):
            in_signature = True
            kinds.append("signature")
        elif in_signature:
            kinds.append("signature")
        else:
            kinds.append("body")
    return _runs(lines, kinds)


def _quoted_after(lines: list[str], at: int) -> bool:
    """Whether the first line with words after line `at` is quoted with ">"."""
    following = next((line for line in lines[at + 1:] if line.strip()), "")
    return following.lstrip().startswith(">")


# A line longer than this opens no history: the patterns are tried on short
# lines only, since some of them take time that grows steeply with a line's
# length, and mail is written by strangers.
_LONGEST = 200
# And at most this many lines are tried at all (a reply's history starts
# long before; past it, only "> " quotes and the signature are folded).
_TRIED = 400
# Where an Outlook header block may begin: "From:", "*Från:*", "> Van:" …
_DATED = re.compile(r"\d|@")
_HEADERISH = re.compile(r"^[*> ]*\w[\w -]{0,24}:")


def _history_start(text: str, lines: list[str]) -> int | None:
    """The line where the quoted history begins (a reply header, an
    original-message line), if there is one after some words of the sender."""
    del text
    wrote, blocks, _ = _patterns()
    for n, line in enumerate(lines[:_TRIED]):
        if len(line) > _LONGEST:
            continue
        if _SEPARATOR.match(line) or _OUTLOOK_RULE.match(line):
            return n
        # Every reply header ends with a colon; mail programs wrap a long
        # "On …, NAME <ADDRESS> wrote:" in two.
        if line.rstrip().endswith(":"):
            tried = [line]
        elif n + 1 < len(lines) and len(lines[n + 1]) <= _LONGEST \
                and lines[n + 1].rstrip().endswith(":"):
            tried = [f"{line} {lines[n + 1]}"]
        else:
            tried = []
        # A mail program's header names a date, a time or an address; a
        # customer's own "On Monday I wrote:" names none of them.
        if any(p.search(t) for t in tried if _DATED.search(t) for p in wrote):
            return n
        if _HEADERISH.match(line):
            window = "\n".join(lines[n:n + 6])
            if len(window) <= 6 * _LONGEST and any(p.match(window) for p in blocks):
                return n
    return None


def _runs(lines: list[str], kinds: list[FoldKind]) -> list[Fold]:
    runs: list[Fold] = []
    start = 0
    for n in range(1, len(lines) + 1):
        if n == len(lines) or kinds[n] != kinds[start]:
            text = "\n".join(lines[start:n])
            kind = kinds[start]
            if text.strip() or kind == "body":
                runs.append(Fold(text, kind != "body", kind))
            start = n
    # Blank lines at the very end are the body's, not a fold of their own.
    while runs and runs[-1].kind == "body" and not runs[-1].text.strip():
        runs.pop()
    return runs
