"""The Poem pane's gutter: each line of a read poem behind its rhyme letter, syllable count and (in a form) its
mark, with lines too long for the pane wrapped inside the poem's column, never back under the gutter."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from poetstudio.analysis.report import PoemReading
from poetstudio.forms.check import check_poem
from poetstudio.forms.spec import FormSpec

LETTER_STYLES = ("bold cyan", "bold magenta", "bold yellow", "bold green", "bold blue", "bold red")
BAR = "│ "
HANGING_INDENT = 2  # a wrapped line's later rows start two columns in, as printed verse marks a turned line
NARROWEST_COLUMN = 8  # below this many columns for the words, rows of a letter or two help nobody: leave it long


def wrapped(line: str, width: int) -> list[str]:
    """`line` in rows of at most `width` cells, broken at spaces (a word longer than a row is cut). The line's
    own indent stays on its first row; the rows after it start HANGING_INDENT spaces further in. Spaces inside
    the line are kept as written. A width of 0 or less, or one too narrow to read, keeps the line whole."""
    if width < NARROWEST_COLUMN or cell_len(line) <= width:
        return [line]
    words = line.lstrip(" ")
    lead = line[: len(line) - len(words)]
    turned = lead + " " * HANGING_INDENT
    if cell_len(turned) + NARROWEST_COLUMN > width:  # an indent as wide as the column: turn lines at the margin
        lead, turned = "", " " * HANGING_INDENT
    rows, row, started = [], lead, False
    for word in words.split(" "):
        candidate = f"{row} {word}" if started else row + word
        if cell_len(candidate) <= width or not started:
            row, started = candidate, started or bool(word)
        else:
            rows.append(row)
            row, started = turned + word, bool(word)
        while cell_len(row) > width:
            cut = _cut_at(row, width)
            rows.append(row[:cut])
            row = turned + row[cut:]
    rows.append(row)
    return rows


def _cut_at(text: str, width: int) -> int:
    """How many characters of `text` fill `width` cells (at least one, so a cut always moves on)."""
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return max(1, index)
    return len(text)


def annotated(text: str, reading: PoemReading, form: FormSpec | None = None, width: int = 0) -> Text:
    """The poem with a gutter per line: rhyme letter (~ marks a slant rhyme) and syllable count, and with a
    form asked for, whether the line meets it (✓, or what it missed: syl, rhy, ref, met). With the pane's
    `width` in cells, a line too long for it wraps inside the poem's column, its later rows behind a blank
    gutter."""
    out = Text()
    lines = iter(reading.lines)
    marks = iter([c.mark for c in check_poem(text, form, reading).lines] if form and not form.free else [])
    for raw in text.rstrip("\n").split("\n"):
        line = next(lines, None) if raw.strip() else None
        gutter = Text()
        if line is None:
            gutter.append("        ")
        else:
            style = LETTER_STYLES[(ord(line.letter[0]) - 65) % len(LETTER_STYLES)] if line.letter else ""
            gutter.append(f"{line.letter:>2}", style=style)
            gutter.append("~" if line.rhyme == "slant" else " ", style="dim")
            gutter.append(f"{line.syllables:>3} ", style="dim")
            mark = next(marks, None)
            if mark is not None:
                gutter.append(f"{mark:>3} ", style="green" if mark == "\u2713" else "bold red")
            gutter.append(BAR, style="dim")
        rows = wrapped(raw, width - gutter.cell_len if width > 0 else 0)
        for number, row in enumerate(rows):
            if number == 0:
                out.append_text(gutter)
            else:
                out.append(" " * (gutter.cell_len - len(BAR)))
                out.append(BAR, style="dim")
            out.append(row + "\n")
    return out
