"""The forms poetstudio writes and names: one table read by the generator (`poetstudio generate --form`),
`poetstudio forms` and the analyzer's form detection."""

from __future__ import annotations

from dataclasses import dataclass

from poetstudio.forms.spec import EXAMPLE, FormSpec, FormSpecError, parse_spec


@dataclass(frozen=True)
class Form:
    """A named form: its spec (see `poetstudio.forms.spec` for the grammar), a line about it, other names it
    goes by, and the shape of rhyme letters by which the analyzer recognises it ('' = by other rules)."""

    key: str
    name: str
    spec: str
    about: str
    aliases: tuple[str, ...] = ()
    shape: str = ""
    shape_is_prefix: bool = False
    syllables: tuple[int, ...] = ()

    def parse(self) -> FormSpec:
        """The form as lines to write (free verse has none)."""
        if not self.spec:
            return FormSpec(self.name, "", ())
        return parse_spec(self.spec, self.name)


FORMS: tuple[Form, ...] = (
    Form("shakespearean-sonnet", "Shakespearean sonnet", "ABAB CDCD EFEF GG 10 iambic",
         "14 lines of iambic pentameter: three quatrains and a closing couplet", ("sonnet", "shakespearean"),
         shape="ABABCDCDEFEFGG"),
    Form("petrarchan-sonnet", "Petrarchan sonnet", "ABBAABBA/CDECDE 10 iambic",
         "14 lines of iambic pentameter: an octave ABBAABBA, a sestet CDECDE", ("petrarchan", "italian sonnet"),
         shape="ABBAABBA", shape_is_prefix=True),
    Form("heroic-couplets", "heroic couplets", "AA BB CC DD EE 10 iambic",
         "rhyming couplets of iambic pentameter (10 lines)", ("couplets",)),
    Form("blank-verse", "blank verse", "---------- 10 iambic", "unrhymed iambic pentameter (10 lines)",
         ("blank",)),
    Form("ballad", "ballad stanzas", "ABCB/DEFE/GHIH 8,6 iambic",
         "common-meter quatrains: 8 and 6 syllables alternating, the short lines rhyme (3 stanzas)",
         ("common meter", "common-meter", "ballad quatrains")),
    Form("terza-rima", "terza rima", "ABA/BCB/CDC/DD 10 iambic",
         "interlocking tercets ABA BCB CDC and a closing couplet, iambic pentameter", ("terza",),
         shape="ABABCBCDC", shape_is_prefix=True),
    Form("limerick", "limerick", "AABBA 8,8,5,5,8", "five lines AABBA, 8-8-5-5-8 syllables", (),
         shape="AABBA"),
    Form("haiku", "haiku", "--- 5,7,5", "three unrhymed lines of 5, 7 and 5 syllables", (),
         syllables=(5, 7, 5)),
    Form("villanelle", "villanelle", "A1BA2/ABA1/ABA2/ABA1/ABA2/ABA1A2 10 iambic",
         "19 lines on two rhymes; lines 1 and 3 return as refrains", (), shape="ABAABAABAABAABAABAA"),
    Form("free-verse", "free verse", "", "no rhyme, count or metre asked (the model's own lines)", ("free", "none")),
)


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


def find_form(text: str) -> Form | None:
    """The catalogue form called `text` (its key, name or an alias, any case), or None."""
    wanted = _norm(text)
    return next((f for f in FORMS if wanted in {_norm(f.key), _norm(f.name), *map(_norm, f.aliases)}), None)


def resolve_form(text: str) -> FormSpec:
    """A form name or a custom spec as a FormSpec; raises FormSpecError with one line saying what to type."""
    form = find_form(text)
    if form is not None:
        return form.parse()
    if text.strip() and text.strip().replace("-", "").replace(" ", "").isalpha() and not any(c.isupper() for c in text):
        raise FormSpecError(f"unknown form '{text.strip()}'; {EXAMPLE}")
    return parse_spec(text)


def form_by_shape(shape: str, syllables: list[int] | None = None) -> str | None:
    """The name of the catalogue form whose rhyme shape (letters renamed by first appearance, as
    `analysis.form.relabel` gives them) or syllable pattern the poem has, or None."""
    for form in FORMS:
        if form.shape and (shape.startswith(form.shape) and len(shape) > len(form.shape) if form.shape_is_prefix
                           else shape == form.shape):
            if form.key != "petrarchan-sonnet" or len(shape) == 14:
                return form.name
        if form.syllables and syllables is not None and tuple(syllables) == form.syllables:
            return form.name
    return None


def form_name(key: str) -> str:
    """The display name of a catalogue key ('heroic-couplets' -> 'heroic couplets')."""
    form = find_form(key)
    if form is None:
        raise FormSpecError(f"unknown form '{key}'; {EXAMPLE}")
    return form.name


__all__ = ["FORMS", "Form", "FormSpec", "FormSpecError", "find_form", "form_by_shape", "form_name", "resolve_form"]
