"""The text a person is found by: their name, case-folded, accents stripped, one space per word break.

People type names the way their keyboard allows ("muller" for "Müller", "nunez" for "Núñez") and
by any word ("okafor" for "Tom Okafor"). `Person.search_key` stores `search_text(name)`, written by
`Person.save()` and by the HR import's bulk writes; a query is folded the same way and matches the
start of the key or the start of any word in it. Pure Python, so SQLite and PostgreSQL, whatever
their collation, compare the same strings."""

from __future__ import annotations

import unicodedata

# Longer than Person.name: folding can lengthen a name ("ß" -> "ss", "ﬁ" -> "fi").
MAX_LENGTH = 400


def search_text(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    # Drop the combining marks NFKD split off ("ü" -> "u" + U+0308); anything else that is not a
    # letter or digit (hyphen, apostrophe, dot) breaks words, so "Núñez-García" is found by "garcia".
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(kept.split())[:MAX_LENGTH]
