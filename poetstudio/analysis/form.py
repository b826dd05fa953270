"""The poem's form from its stanza shape, rhyme letters and metre: sonnet, couplets, quatrains, free verse."""

from __future__ import annotations

from collections import Counter

from poetstudio.analysis.rhyme import LineRhyme, scheme_letter
from poetstudio.forms.catalogue import form_by_shape, form_name

STANZA_NAMES = {1: "monostichs", 2: "couplets", 3: "tercets", 4: "quatrains", 5: "quintains", 6: "sestets",
                7: "septets", 8: "octaves"}
RHYMED = 0.5  # a poem is rhymed when at least half its lines rhyme with another
UNRHYMED = 0.3  # ... and unrhymed (blank or free verse) when under this share do
COUPLET_SHARE = 0.75  # rhyming couplets: this share of line pairs rhyme together


def relabel(letters: list[str]) -> str:
    """Letters renamed by first appearance, so 'CDCD' reads 'ABAB' when compared with a pattern."""
    names: dict[str, str] = {}
    for letter in letters:
        names.setdefault(letter, scheme_letter(len(names)))
    return "".join(names[letter] for letter in letters)


def rhymed_share(rhymes: list[LineRhyme]) -> float:
    """Share of lines that rhyme with some other line."""
    counts = Counter(r.letter for r in rhymes if r.letter)
    lettered = [r for r in rhymes if r.letter]
    return sum(1 for r in lettered if counts[r.letter] > 1) / len(lettered) if lettered else 0.0


def detect_form(rhymes: list[LineRhyme], stanzas: list[list[int]], meter: str,
                syllables: list[int] | None = None) -> str:
    """Name the form: a catalogue form recognised by its rhyme shape or syllables (Shakespearean or
    Petrarchan sonnet, terza rima, limerick, villanelle, haiku: `poetstudio.forms.catalogue`), 'sonnet',
    heroic couplets, 'rhyming couplets', blank verse, ballad stanzas, 'quatrains (ABCB)', free verse, or
    (un/partly) rhymed verse."""
    letters = [r.letter for r in rhymes if r.letter]
    if not letters:
        return ""
    shape = relabel(letters)
    share = rhymed_share(rhymes)
    named = form_by_shape(shape, syllables if share < UNRHYMED else None)
    if named:
        return named
    if len(letters) == 14 and (share >= RHYMED or meter == "iambic pentameter"):
        return "sonnet"
    pairs = [(letters[i], letters[i + 1]) for i in range(0, len(letters) - 1, 2)]
    if len(letters) >= 4 and sum(a == b for a, b in pairs) >= COUPLET_SHARE * len(pairs):
        return form_name("heroic-couplets") if meter == "iambic pentameter" else "rhyming couplets"
    if share < UNRHYMED and meter == "iambic pentameter":
        return form_name("blank-verse")
    sizes = Counter(len(s) for s in stanzas if s)
    if len(stanzas) > 1 and len(sizes) == 1:
        size = next(iter(sizes))
        name = STANZA_NAMES.get(size, f"{size}-line stanzas")
        first = relabel([rhymes[i].letter for i in stanzas[0]])
        if size == 4 and meter == "common meter":
            name = form_name("ballad")
        return f"{name} ({first})" if len(set(first)) < len(first) else name
    if len(letters) == 4 and len(stanzas) == 1:
        return f"quatrain ({shape})"
    if share < UNRHYMED and meter in ("free verse", ""):
        return "free verse"
    shape_note = ", irregular stanzas" if len(stanzas) > 1 else ""
    rhyme = "rhymed" if share >= RHYMED else "partly rhymed" if share >= UNRHYMED else "unrhymed"
    return f"{rhyme} verse{shape_note}"
