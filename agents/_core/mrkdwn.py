"""Data in Slack's markup: escaped so it cannot mention, link or format; cut and split without breaking a token."""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"  # marks a cut
# What must not be cut in two: a <…> token (a link, mention or date we made) or an &…; entity (an escaped character).
_TOKEN = re.compile(r"<[^<>]*>|&[#A-Za-z0-9]{1,10};")


def escape(text: str) -> str:
    """Slack's three control characters: with &, < and > escaped, Odoo text is shown as it is and does nothing."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending in … when cut, never inside a <…> token or an &…; entity."""
    if len(text) <= limit:
        return text
    end = limit - len(ELLIPSIS)
    for token in _TOKEN.finditer(text, max(0, end - 4000), end + 4000):
        if token.start() < end < token.end():
            end = token.start()
            break
    return text[:end] + ELLIPSIS


def split(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters that together hold all of `text`: cut between lines where possible,
    else on a safe boundary inside a long line (no … then: nothing is lost, the next piece goes on)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(line) > limit:
            end = _safe_end(line, limit)
            pieces.append(line[:end])
            line = line[end:]
        current = line
    if current or not pieces:
        pieces.append(current)
    return pieces


def visible(text: str | None) -> bool:
    """Has at least one character a reader can see (a letter, digit, mark of punctuation or symbol): a reason made of
    spaces or zero-width characters (U+200B) says nothing."""
    return any(unicodedata.category(ch)[0] in "LNPS" for ch in text or "")


def _safe_end(text: str, limit: int) -> int:
    for token in _TOKEN.finditer(text, max(0, limit - 4000), limit + 4000):
        if token.start() < limit < token.end() and token.start() > 0:
            return token.start()
    return limit
