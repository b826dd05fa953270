"""Cleaning the Gutenberg verse books of `general/` into attributed verse pieces, with counts per rule.

Each rule is a small named function. A book goes through them in this order:

1. `cut_gutenberg`: the Project Gutenberg header, licence and footer (by the `*** START OF` /
   `*** END OF` markers, or for older files by the small-print block and the "End of ... Project
   Gutenberg" line);
2. `cut_back_matter`: everything after a NOTES / GLOSSARY / INDEX / FOOTNOTES heading in a book's last
   40%;
3. per blank-line block: `is_gutenberg_note` (credits, transcriber's notes), `is_byline` (title-page
   credits), `is_bracketed` (stage directions, footnotes and editorial insertions, also when a note's
   bracket runs over several blocks), play cleaning
   (`strip_stage_directions`, `strip_speaker_names`, only in books that read as plays),
   `is_contents_or_index`, `is_prose` (the verse/prose rule), and headings, which become the title of
   the verse blocks after them instead of text (editors' headings such as ARGUMENT do not), and
   `strip_line_numbers` (marginal line numbers, footnote markers).

Then, over all books together (`clean_general`): blocks that repeat another book's lines are dropped
(`Deduplicator`), and blocks sharing a word 8-gram with a held-out poem are dropped (`HeldoutFilter`).
This module never imports torch: the CLI's `corpus stats` runs it.
"""

from __future__ import annotations

import csv
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from poetstudio.corpus.poem import Poem
from poetstudio.errors import CorpusError
from poetstudio.poets import canonical_poet

CLEANING_VERSION = 9  # bump when a rule changes: it keys every cache built from the cleaned text
MANIFEST = "MANIFEST.tsv"
POEMS_SOURCE = "poems.jsonl"  # the source name the training poems' pieces carry
UNATTRIBUTED = "Various"  # the author shown for anthologies, whose blocks are never put under a name

RULES = (
    "gutenberg_licence", "back_matter", "gutenberg_notes", "front_matter", "bracketed", "stage_directions",
    "speaker_names",
    "contents_index", "prose", "line_numbers", "headings", "duplicates", "heldout_ngrams",
)

# ---------------------------------------------------------------------------------------------- authors

_ANTHOLOGY_ROLES = re.compile(r"\((editor|editors|compiler|contributors|author_of_introduction|illustrator)\)", re.I)
AUTHOR_OVERRIDES = {
    "Hemans, Mrs.": "Felicia Hemans",
    "Shakespeare (spurious and doubtful works)": UNATTRIBUTED,  # not his, so never under his name
    "Various": UNATTRIBUTED,
}


ANTHOLOGY_TITLES = re.compile(  # anthologies whose MANIFEST row names the editor without "(editor)"
    r"Home Book of Verse|Anthology of Magazine Verse|Parody Anthology|Popular Ballads of the Olden Times"
)


def normalise_author(raw: str, title: str = "") -> tuple[str, bool]:
    """MANIFEST's "Last, First (Full names)" as "First Last" (the ten poets by their canonical names), and
    whether the book is one author's: anthologies (editor, compiler, several authors) are not."""
    raw = raw.strip()
    if ANTHOLOGY_TITLES.search(title):
        return UNATTRIBUTED, False
    if raw in AUTHOR_OVERRIDES:
        name = AUTHOR_OVERRIDES[raw]
        return name, name != UNATTRIBUTED
    if ";" in raw or _ANTHOLOGY_ROLES.search(raw):
        return UNATTRIBUTED, False
    plain = re.sub(r"\s*\([^)]*\)", "", raw).strip()
    parts = [p.strip() for p in plain.split(",") if p.strip()]
    if len(parts) == 1:
        return canonical_poet(parts[0]), True
    last, first, rest = parts[0], parts[1], parts[2:]
    name = first if first.endswith(" " + last) else f"{first} {last}"
    if "Sir" in rest:
        name = "Sir " + name
    return canonical_poet(name), True


# ---------------------------------------------------------------------------------------------- books


@dataclass(frozen=True)
class Book:
    """One MANIFEST row: the book's folder and file, its normalised author, and its title."""

    folder: str
    path: Path
    author: str
    attributed: bool
    title: str
    group: str


def read_manifest(folder: str | Path) -> list[Book]:
    """The books MANIFEST.tsv lists, in its order; a missing folder or manifest is a one-line error."""
    folder = Path(folder)
    manifest = folder / MANIFEST
    if not manifest.exists():
        raise CorpusError(f"{folder}: no {MANIFEST} there; point general_corpus at the shared corpus's general/ folder")
    books = []
    with manifest.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            author, attributed = normalise_author(row["author"], row["title"])
            books.append(Book(row["dir"], folder / row["dir"] / row["path"], author, attributed,
                              book_title(row["title"]), row.get("group", "general")))
    return books


_TITLE_TAIL = re.compile(r"\s*(:|;|\s—\s|\s--\s|\(|[,.]? Vol\.?\s|[,.]? Volume\s|,\s*Complete\b|\s+Taken from\b|"
                         r"\s+Translated\b|\s+Collected by\b|,?\s+with\s+(notes|introductions?|explanatory)\b).*$",
                         re.I)
BOOK_TITLE_CHARS = 60  # the Title line of verse with no heading of its own: the book's short title


def book_title(title: str) -> str:
    """A MANIFEST title shortened to what the book is called ("The Home Book of Verse — Volume 2" →
    "The Home Book of Verse"): it heads the verse that has no heading of its own."""
    title = re.sub(r"\s+", " ", title).strip()
    short = _TITLE_TAIL.sub("", title).strip(" ,.") or title
    if len(short) > BOOK_TITLE_CHARS:
        short = short[:BOOK_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return short


# ---------------------------------------------------------------------------------------------- counts


@dataclass
class Counts:
    """What each rule removed: blocks and characters per rule (and matches for the held-out rule)."""

    blocks: Counter = field(default_factory=Counter)
    chars: Counter = field(default_factory=Counter)
    heldout_hits: int = 0

    def add(self, rule: str, chars: int, blocks: int = 1) -> None:
        """Record `blocks` blocks of `chars` characters removed by `rule`."""
        self.blocks[rule] += blocks
        self.chars[rule] += chars

    def merge(self, other: Counts) -> None:
        """Add another book's counts to these."""
        self.blocks.update(other.blocks)
        self.chars.update(other.chars)
        self.heldout_hits += other.heldout_hits


# ---------------------------------------------------------------------------------------------- rule 1: licence

_START = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG.*$", re.M | re.I)
_END = re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG.*$", re.M | re.I)
_SMALL_PRINT_END = re.compile(r"^\*END\*? ?THE SMALL PRINT.*$", re.M | re.I)
_OLD_END = re.compile(r"^\s*\**\s*End of (the |this )?Project Gutenberg.*$", re.M | re.I)
_OLD_HEADER_LINE = re.compile(r"Project Gutenberg|\bE-?texts?\b|\*{3,}", re.I)
OLD_HEADER_SCAN_LINES = 60  # a title-only old header ends within its first few dozen lines


def cut_gutenberg(text: str) -> str:
    """The book without Project Gutenberg's header, licence and footer.

    Newer files mark the text with `*** START OF` / `*** END OF`; older ones (most Shakespeare plays)
    end their header with the small-print licence ("*END*THE SMALL PRINT!") and their text with
    "End of Project Gutenberg Etext of ...". Where neither start form is there, leading lines that name
    Project Gutenberg are cut."""
    start = _START.search(text) or _SMALL_PRINT_END.search(text)
    if start:
        begin = start.end()
    else:
        begin = 0
        offset = 0
        for number, line in enumerate(text.splitlines(keepends=True)):
            if number >= OLD_HEADER_SCAN_LINES:
                break
            offset += len(line)
            if _OLD_HEADER_LINE.search(line):
                begin = offset
    end = _END.search(text, begin) or _OLD_END.search(text, begin)
    return text[begin : end.start() if end else len(text)]


# ---------------------------------------------------------------------------------------------- rule 2: back matter

_BACK_MATTER = re.compile(
    r"^\s*(NOTES|NOTES AND ILLUSTRATIONS|EXPLANATORY NOTES|GLOSSARY|GLOSSARIAL INDEX|INDEX|INDEXES|"
    r"INDEX OF (FIRST LINES|TITLES|AUTHORS|POETS)|INDEX TO FIRST LINES|"
    r"BIOGRAPHICAL NOTES|FOOTNOTES)\.?\s*$"
)
BACK_MATTER_FROM = 0.6  # a back-matter heading counts only in the book's last 40%: earlier "NOTES" headings
# introduce notes to one section that verse follows


def cut_back_matter(blocks: list[str]) -> tuple[list[str], list[str]]:
    """Split off the back matter: (kept blocks, removed blocks) at the first back-matter heading in the
    book's last 40% (by characters)."""
    total = sum(len(b) for b in blocks)
    seen = 0
    for i, block in enumerate(blocks):
        if seen >= BACK_MATTER_FROM * total and _BACK_MATTER.match(block):
            return blocks[:i], blocks[i:]
        seen += len(block)
    return blocks, []


# ---------------------------------------------------------------------------------------------- rule 3: notes

_GUTENBERG_WORDS = ("gutenberg", "text", "produced by", "transcriber", "proofread", "http", "www.")
_GUTENBERG_NOTE = re.compile(r"project gutenberg|\be-?texts?\b|produced by|transcriber'?s? note|proofread|"
                             r"https?://|www\.")


def is_gutenberg_note(block: str) -> bool:
    """Credits and transcriber's notes left inside the text (they name Project Gutenberg, a URL, ...)."""
    lower = block.lower()
    return any(word in lower for word in _GUTENBERG_WORDS) and bool(_GUTENBERG_NOTE.search(lower))


_BYLINE = re.compile(r"^\s*(by|selected by|edited by|translated by|compiled by|chosen by|arranged by|"
                     r"with an introduction by|with notes by|illustrated by)\b", re.I)
BYLINE_MAX_LINES = 3  # a title page's credit is a line or two


def is_byline(block: str) -> bool:
    """A title page's credit ("by John Keats", "Selected by ..."): front matter, not verse."""
    return block.count("\n") < BYLINE_MAX_LINES and bool(_BYLINE.match(block))


# ---------------------------------------------------------------------------------------------- rule 4: plays

_SPEAKER_LINE = re.compile(r"^\s*([A-Z][A-Z'’&\- ]*[A-Z])\.\s*$")
_SPEAKER_INLINE = re.compile(r"^\s*(?:_([A-Z][A-Za-z'’\- ]{1,24})\._|([A-Z][A-Z'’\- ]*[A-Z])\.)\s+(?=\S)")
_ROMAN = re.compile(r"^[IVXLCDM]+$")
_STAGE_LINE = re.compile(
    r"^\s*(\[.*\]?|.*\]\s*$|_?(Enter|Exit|Exeunt|Re-enter|Manet|Manent|Flourish|Alarum|Alarums|Sennet|"
    r"Trumpets?|Music|Thunder|Dies|Dumb-show)\b.*|(ACT|Act|SCENE|Scene)\s+[IVXLC0-9]+\b.*|"
    r"[A-Z][A-Z'’ ]+,\s+[a-z].*|(Persons Represented|Dramatis Person(ae|æ)|PERSONS OF THE DRAMA|"
    r"THE PERSONS? REPRESENTED|DRAMATIS PERSON(AE|Æ))\.?:?\s*)$"
)
_BRACKETED = re.compile(r"\[[^\[\]]*\]")
PLAY_MIN_CUES = 8  # a book with fewer speaker cues than this is not a play: a few "CHORUS." lines in a
# poem book stay verse
PLAY_MIN_CUE_SHARE = 0.15  # and cues must open at least 15% of its blocks (a play: about half)


def speaker_cue(line: str) -> str | None:
    """The speaker a cue line names ("FIRST WITCH." or "_Ham._ To be ..."), else None."""
    match = _SPEAKER_LINE.match(line) or _SPEAKER_INLINE.match(line)
    if not match:
        return None
    name = next(g for g in match.groups() if g)
    if _ROMAN.match(name.replace(" ", "")) or len(name) < 2:
        return None
    return name


def is_bracketed(block: str) -> bool:
    """A block that opens with a bracket ("[_As they go out._]", "[Illustration]", "[Footnote 3: ...")
    or is wholly in "(_ ... _)": a stage direction or an editor's insertion, in any book."""
    text = block.strip()
    return text.startswith("[") or text.startswith("(_") and text.endswith("_)")


_NOTE_START = re.compile(r"^\s*\[(Footnote|Note|Variant|Illustration|Sidenote|Transcriber|Editor|Greek|Latin)", re.I)


def open_brackets(block: str) -> int:
    """How many brackets a note ("[Footnote 3: ...", "[Variant ...") leaves open, so that it runs over the
    next blocks; 0 for other blocks (an unclosed bracket in verse is a typo, not a note)."""
    return max(0, block.count("[") - block.count("]")) if _NOTE_START.match(block) else 0


MAX_BRACKET_BLOCKS = 12  # an editor's note spans a few blocks; past this the bracket was a typo, not a note


def is_play(blocks: list[str]) -> bool:
    """A book reads as a play when many blocks open with a speaker cue."""
    cues = sum(1 for block in blocks if speaker_cue(block.split("\n", 1)[0]))
    return cues >= PLAY_MIN_CUES and cues >= PLAY_MIN_CUE_SHARE * len(blocks)


def strip_stage_directions(block: str) -> str:
    """A play's block without stage directions: bracketed text, Enter/Exit/Exeunt lines, ACT/SCENE
    headings and the list of persons."""
    kept = []
    in_bracket = False
    for line in block.split("\n"):
        if in_bracket:
            in_bracket = "]" not in line
            continue
        if line.lstrip().startswith("[") and "]" not in line:
            in_bracket = True
            continue
        if _STAGE_LINE.match(line):
            continue
        line = _BRACKETED.sub("", line).rstrip()
        if line.strip():
            kept.append(line)
    return "\n".join(kept)


def clean_play_block(block: str, counts: Counts) -> str:
    """A play's block without stage directions and speaker cues, both counted."""
    staged = strip_stage_directions(block)
    if len(staged) < len(block):
        counts.add("stage_directions", len(block) - len(staged), 0 if staged.strip() else 1)
    spoken = strip_speaker_names(staged)
    if len(spoken) < len(staged):
        counts.add("speaker_names", len(staged) - len(spoken), 0 if spoken.strip() else 1)
    return spoken


def strip_speaker_names(block: str) -> str:
    """A play's block without its speaker cues: the verse a character speaks stays, the name goes.

    The studio writes poems, not scripts: a cue such as "MACBETH." is not a line of verse, and a model
    asked for Shakespeare must not answer in speaker cues; the blank verse is what carries his voice."""
    kept = []
    for line in block.split("\n"):
        if _SPEAKER_LINE.match(line) and speaker_cue(line):
            continue
        inline = _SPEAKER_INLINE.match(line)
        if inline and speaker_cue(line):
            line = line[inline.end():]
        kept.append(line)
    return "\n".join(kept).strip("\n")


# ---------------------------------------------------------------------------------------------- rule 5: contents

_PAGE_TAIL = re.compile(r"[\s,]\d{1,4}(\s*[-,]\s*\d{1,4})*\.?$")
PAGE_TAIL_CHARS = 16  # a page reference ("  123", ", 45-47.") fits in a line's last 16 characters
CONTENTS_MIN_SHARE = 0.5  # half a block's lines ending in a page number (or dot leaders): contents or index


def ends_in_page_number(line: str) -> bool:
    """A contents or index line: it ends in a page number, or carries dot leaders."""
    line = line.rstrip()
    if "...." in line or ". . . ." in line:
        return True
    return line[-1:].isdigit() and bool(_PAGE_TAIL.search(line[-PAGE_TAIL_CHARS:]))


def is_contents_or_index(block: str) -> bool:
    """Tables of contents and indexes: most lines end in a page number or carry dot leaders."""
    lines = [line for line in block.split("\n") if line.strip()]
    if not lines:
        return False
    hits = sum(1 for line in lines if ends_in_page_number(line))
    return hits >= max(1, CONTENTS_MIN_SHARE * len(lines)) and (len(lines) >= 2 or "...." in lines[0])


# ---------------------------------------------------------------------------------------------- rule 6: prose

PROSE_MIN_LINES = 3  # shorter blocks are too short for the shares: one line is verse, two need the run-on test
WRAP_WIDTH = 60  # Gutenberg wraps prose at 65-78 characters; a line this long that is not the paragraph's
# last reaches the wrap margin
PROSE_WRAPPED_SHARE = 0.6  # share of a block's non-final lines at the wrap margin in a prose paragraph
PROSE_LOWER_SHARE = 0.25  # share of flush lines opening in lower case: about 70% of prose words are lower
# case, while verse of this era opens nearly every line with a capital
VERSE_INDENTED_SHARE = 0.25  # a quarter of lines indented deeper than the rest: verse's indentation or
# its hard-wrapped continuations (prose indents at most its first line)
PROSE_OPEN_END_SHARE = 0.6  # share of non-final lines ending in a letter (no punctuation): prose breaks
# lines mid-phrase wherever the margin falls, verse mostly ends a line at a pause


@dataclass(frozen=True)
class BlockShape:
    """The measurements the verse/prose rule reads off a block."""

    lines: int
    wrapped_share: float
    lower_share: float
    open_end_share: float
    indented_share: float = 0.0


def block_shape(block: str) -> BlockShape:
    """Line count; shares of non-final lines at the wrap margin and ending without punctuation; share of
    flush lines (not the first) opening in lower case. Deeper-indented lines are wrapped verse's
    continuations, so they do not count as lower-case openings."""
    raw = [line for line in block.split("\n") if line.strip()]
    if not raw:
        return BlockShape(0, 0.0, 0.0, 0.0)
    indent = min(len(line) - len(line.lstrip()) for line in raw)
    lines = [line.strip() for line in raw]
    body = lines[:-1] or lines
    wrapped = sum(1 for line in body if len(line) >= WRAP_WIDTH) / len(body)
    open_end = sum(1 for line in body if line[-1].isalpha()) / len(body)
    flush = [line.strip() for line in raw[1:] if len(line) - len(line.lstrip()) == indent]
    lower = sum(1 for line in flush if line[0].islower()) / max(1, len(flush))
    indented = 1 - len(flush) / max(1, len(raw) - 1)
    return BlockShape(len(lines), wrapped, lower, open_end, indented)


def is_prose(block: str) -> bool:
    """Prose, by shape: at least 3 lines, most non-final lines at the wrap margin, and either many flush
    lines opening in lower case (a sentence running on) or most lines broken mid-phrase; or two lines,
    the first at the margin and the second flush and in lower case."""
    shape = block_shape(block)
    if shape.lines == 2 and shape.wrapped_share == 1 and shape.lower_share == 1 and shape.indented_share == 0:
        return True  # a long line running on, flush, into a lower-case one: the end of a prose sentence
    if shape.lines < PROSE_MIN_LINES or shape.wrapped_share < PROSE_WRAPPED_SHARE:
        return False
    if shape.indented_share >= VERSE_INDENTED_SHARE:
        return False
    return shape.lower_share >= PROSE_LOWER_SHARE or shape.open_end_share >= PROSE_OPEN_END_SHARE


# ---------------------------------------------------------------------------------------------- rule 7: headings

_SECTION_MARK = re.compile(r"^(BOOK|Book|CANTO|Canto|PART|Part|CHAPTER|Chapter|SECTION|STANZA|No\.|NO\.)?\s*"
                           r"([IVXLCDM]+|\d+)\.?\s*$")
_SMALL_WORDS = {"a", "an", "the", "of", "and", "or", "to", "in", "on", "at", "for", "by", "with", "from", "o", "de"}
HEADING_MAX_CHARS = 70  # a poem's title fits one printed line
HEADING_MAX_WORDS = 10


def heading_title(block: str) -> str | None:
    """A one-line block that reads as a poem's title (capitals or title case, no closing comma or
    semicolon), tidied; section numbers ("II.", "CANTO IV") are not titles and stay as verse lines."""
    if "\n" in block:
        return None
    line = block.strip()
    words = re.findall(r"[A-Za-z][A-Za-z'’\-]*", line)
    if not words or len(line) > HEADING_MAX_CHARS or len(words) > HEADING_MAX_WORDS or _SECTION_MARK.match(line):
        return None
    if line[-1] in ",;:" or line.startswith(("by ", "By ")):
        return None
    letters = [c for c in line if c.isalpha()]
    if all(c.isupper() for c in letters):
        return tidy_title(line) or None
    if line[-1] in ".!?":
        return None
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    if content and all(w[0].isupper() for w in content) and words[0][0].isupper():
        return tidy_title(line) or None
    return None


_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
_TITLE_NUMBER = re.compile(r"^\d+\.\s+|\s*[\[(]\d+[\])]\s*$|\s+\d{1,4}$")
# "A Vagabond Song. [Bliss Carman]", "The Message _Woodberry_"
_TITLE_CREDIT = re.compile(r"\s*(\[[^\]]*\]|_[^_]+_)\s*$")
EDITORIAL_TITLES = re.compile(  # an editor's heading, not a poem's title: the verse after it keeps the book's
    r"^(the |another )?(argument|contents|table of contents|preface|prefatory note|introductory note|note|notes|"
    r"advertisement|variants?( on the text)?|ms|mss|footnotes?( on the text)?|errata|illustrations|"
    r"list of illustrations|memoir|editor'?s note|bibliographical note|index|glossary|introduction|page|the end)$",
    re.I)


_DATELINE = re.compile(r"\b(composed|written|published|printed|dated?)\b.*\b1[5-9]\d\d\b", re.I)


def is_dateline(title: str) -> bool:
    """An editor's date under a title ("Composed 1806.--Published 1807"): not a title of its own."""
    return bool(_DATELINE.search(title))


def tidy_title(title: str) -> str:
    """A title as the header shows it: capitals turned to title case, numbering, footnote references,
    invisible characters, trailing full stop and spaces gone."""
    title = _INVISIBLE.sub("", title)
    title = re.sub(r"\s+", " ", title).strip()
    for pattern in (_TITLE_NUMBER, _TITLE_CREDIT, _TITLE_NUMBER):
        title = pattern.sub("", title).strip() or title
    title = title.rstrip(".").strip().strip("_*= ")
    if title.isupper():
        title = string.capwords(title.lower())
    return title


# ---------------------------------------------------------------------------------------------- one book


@dataclass
class Piece:
    """A run of verse blocks from one source under one title: what a training document is cut from."""

    author: str
    attributed: bool
    title: str
    blocks: list[str]
    source: str

    @property
    def chars(self) -> int:
        """Characters of verse in the piece (blocks joined by blank lines)."""
        return sum(len(b) for b in self.blocks) + 2 * max(0, len(self.blocks) - 1)


def split_blocks(text: str) -> list[str]:
    """Blank-line-separated blocks, trailing spaces and tabs tidied, leading indentation kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    blocks = []
    for raw in re.split(r"\n[ \t]*\n", text):
        lines = [line.rstrip() for line in raw.split("\n")]
        block = "\n".join(lines).strip("\n")
        if block.strip():
            blocks.append(block)
    return blocks


CONTINUATION_AFTER = 55  # a line this long, followed by a deeper-indented lower-case line, was hard-wrapped


def join_wrapped_lines(block: str) -> str:
    """Re-join Gutenberg's hard-wrapped verse lines: a deeper-indented line opening in lower case after
    a long line continues it."""
    out: list[str] = []
    for line in block.split("\n"):
        stripped = line.lstrip()
        if (out and stripped[:1].islower() and len(out[-1].strip()) >= CONTINUATION_AFTER
                and len(line) - len(stripped) > len(out[-1]) - len(out[-1].lstrip())):
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line)
    return "\n".join(out)


_LINE_NUMBER = re.compile(r"(?<=\S)\s{3,}\[?\d{1,5}\]?\s*$", re.M)
_FOOTNOTE_MARK = re.compile(r"\[(\d{1,4}|[A-Z*†‡])\]")


def strip_line_numbers(block: str) -> str:
    """Marginal line numbers ("...my husband's friend.        155") gone from the ends of lines, and
    footnote markers ("[12]", "[A]") from inside them."""
    return _FOOTNOTE_MARK.sub("", _LINE_NUMBER.sub("", block))


def dedent(block: str) -> str:
    """Remove the indentation every line of a block shares (relative indentation is authorial)."""
    lines = block.split("\n")
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:] for line in lines)


REPEATED_HEADING = 4  # a one-line heading met this often in one book is a speaker ("MEPHISTOPHELES") or a
# generic "Song", not a poem's own title


def repeated_headings(blocks: list[str]) -> set[str]:
    """The headings that recur in a book: in verse drama, speakers' names set on a line of their own."""
    seen = Counter(title for title in map(heading_title, blocks) if title)
    return {title for title, n in seen.items() if n >= REPEATED_HEADING}


def clean_book(book: Book, text: str, counts: Counts) -> list[Piece]:
    """One book through the rules: its verse as pieces under headings (the book's title before the first
    heading and after an editor's heading such as ARGUMENT or CONTENTS)."""
    body = cut_gutenberg(text)
    counts.add("gutenberg_licence", len(text) - len(body))
    blocks, back = cut_back_matter(split_blocks(body))
    if back:
        counts.add("back_matter", sum(map(len, back)), len(back))
    play = is_play(blocks)
    speakers = repeated_headings(blocks)
    pieces: list[Piece] = []
    current = Piece(book.author, book.attributed, book.title, [], book.folder)
    depth, inside = 0, 0
    for block in blocks:
        if depth > 0 and inside < MAX_BRACKET_BLOCKS:
            counts.add("bracketed", len(block))
            depth, inside = depth + block.count("[") - block.count("]"), inside + 1
            continue
        depth = inside = 0
        if is_gutenberg_note(block):
            counts.add("gutenberg_notes", len(block))
            continue
        if is_byline(block):
            counts.add("front_matter", len(block))
            continue
        if is_bracketed(block):
            counts.add("bracketed", len(block))
            depth = open_brackets(block)
            continue
        if play:
            block = clean_play_block(block, counts)
            if not block.strip():
                continue
        if is_contents_or_index(block):
            counts.add("contents_index", len(block))
            continue
        if is_prose(block):
            counts.add("prose", len(block))
            continue
        title = heading_title(block)
        if title in speakers:
            counts.add("speaker_names", len(block))
            if current.title != book.title and current.blocks:
                pieces.append(current)
                current = Piece(book.author, book.attributed, book.title, [], book.folder)
            continue
        if title is not None:
            counts.add("headings", len(block))
            if play or is_dateline(title):
                continue  # a play's headings (title, acts, scenes) and an editor's dates are not poem titles
            if current.blocks:
                pieces.append(current)
            current = Piece(book.author, book.attributed, book.title if EDITORIAL_TITLES.match(title) else title,
                            [], book.folder)
            continue
        numbered = strip_line_numbers(block)
        if len(numbered) < len(block):
            counts.add("line_numbers", len(block) - len(numbered), 0)
        current.blocks.append(dedent(join_wrapped_lines(numbered)))
    if current.blocks:
        pieces.append(current)
    return pieces


# ---------------------------------------------------------------------------------------------- across books

MIN_LINE_CHARS_FOR_MATCH = 16  # shorter normalised lines ("O Love!") recur by chance across books
DUPLICATE_SHARE = 0.5  # a block is a copy when half its long lines were already kept from another source
NGRAM = 8  # word n-gram length for the held-out match: 8 words almost never recur by chance


_NOT_ALNUM = re.compile(r"[^a-z0-9\n]+")


def normalise_line(line: str) -> str:
    """Letters and digits only, lower case: how two printings of one line are compared."""
    return re.sub(r"[^a-z0-9]+", "", line.lower())


class Deduplicator:
    """Drops blocks whose long lines another source already gave; sources are fed in priority order."""

    def __init__(self) -> None:
        self.owner: dict[int, int] = {}

    def keep(self, block: str, source: int) -> bool:
        """True if the block is new; its lines are then registered as belonging to `source`."""
        keys = [hash(k) for k in _NOT_ALNUM.sub("", block.lower()).split("\n") if len(k) >= MIN_LINE_CHARS_FOR_MATCH]
        if not keys:
            return True
        seen = sum(1 for k in keys if self.owner.get(k, source) != source)
        if seen >= DUPLICATE_SHARE * len(keys):
            return False
        for k in keys:
            self.owner.setdefault(k, source)
        return True


def words(text: str) -> list[str]:
    """Lower-case letter runs: the words the n-gram match compares (punctuation and wrapping ignored)."""
    return re.findall(r"[a-z]+", text.lower())


def ngrams(tokens: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    """Every run of n consecutive words."""
    return set(zip(*(tokens[i:] for i in range(n))))


class HeldoutFilter:
    """Finds blocks that share a word 8-gram with a held-out poem (line breaks and wrapping ignored)."""

    def __init__(self, poems: list[Poem]) -> None:
        self.grams: set[tuple[str, ...]] = set()
        for poem in poems:
            self.grams |= ngrams(words(poem.text))

    def hits(self, block: str) -> int:
        """How many of the block's 8-grams occur in a held-out poem."""
        if not self.grams:
            return 0
        return len(ngrams(words(block)) & self.grams)


@dataclass
class CleanResult:
    """The cleaned general corpus: verse pieces, per-rule counts, and book and character totals."""

    pieces: list[Piece]
    counts: Counts
    books: int
    authors: int
    chars_before: int
    chars_after: int


def source_priority(book: Book) -> int:
    """De-duplication order: single-author books keep their poems, anthologies give up their copies."""
    return 0 if book.attributed else 1


def filter_pieces(pieces: list[Piece], sources: list[int], dedup: Deduplicator, heldout: HeldoutFilter,
                  counts: Counts) -> list[Piece]:
    """Drop duplicate and held-out blocks from pieces (in order); pieces left empty go."""
    kept = []
    for piece, source in zip(pieces, sources):
        blocks = []
        for block in piece.blocks:
            hits = heldout.hits(block)
            if hits:
                counts.heldout_hits += hits
                counts.add("heldout_ngrams", len(block))
            elif not dedup.keep(block, source):
                counts.add("duplicates", len(block))
            else:
                blocks.append(block)
        if blocks:
            kept.append(Piece(piece.author, piece.attributed, piece.title, blocks, piece.source))
    return kept


def clean_general(folder: str | Path, heldout: list[Poem], train_poems: list[Poem] | None = None) -> CleanResult:
    """Clean every MANIFEST book; the training poems (if given) come first, as pieces under their poets,
    so a book's copy of one of them is the duplicate that goes."""
    books = read_manifest(folder)
    counts = Counts()
    dedup, filt = Deduplicator(), HeldoutFilter(heldout)
    pieces: list[Piece] = []
    if train_poems:
        poem_pieces = [Piece(p.poet, True, p.title, split_blocks(p.text), POEMS_SOURCE) for p in train_poems]
        pieces += filter_pieces(poem_pieces, [-1] * len(poem_pieces), dedup, filt, Counts())
    chars_before = 0
    ordered = sorted(range(len(books)), key=lambda i: (source_priority(books[i]), i))
    by_book: dict[int, list[Piece]] = {}
    for i in ordered:
        book = books[i]
        try:
            text = book.path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError as exc:
            raise CorpusError(f"{book.path}: cannot read it ({exc.strerror}); is the shared corpus complete?") from None
        chars_before += len(text)
        book_pieces = clean_book(book, text, counts)
        by_book[i] = filter_pieces(book_pieces, [i] * len(book_pieces), dedup, filt, counts)
    for i in range(len(books)):
        pieces += by_book[i]
    general = [p for p in pieces if p.source in {b.folder for b in books}]
    return CleanResult(
        pieces=pieces,
        counts=counts,
        books=len(books),
        authors=len({b.author for b in books if b.attributed}),
        chars_before=chars_before,
        chars_after=sum(p.chars for p in general),
    )
