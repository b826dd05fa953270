"""An adapter's book verse: the corpus poets' own books and a slice of every other author, under their names."""

from __future__ import annotations

from poetstudio.corpus.cleaning import POEMS_SOURCE, UNATTRIBUTED, CleanResult, Counts, Piece
from trainer.author_verse import PIECES_AT_LEAST, author_poems


def piece(author: str, title: str, blocks: int, source: str = "book", attributed: bool = True) -> Piece:
    return Piece(author, attributed, title, [f"{title} line {i}\nand its second line" for i in range(blocks)], source)


def cleaned(*pieces: Piece) -> CleanResult:
    return CleanResult(list(pieces), Counts(), books=1, authors=1, chars_before=0, chars_after=0)


def test_poets_get_their_allowance_and_other_authors_theirs():
    corpus = cleaned(*[piece("Emily Dickinson", f"D{i}", 40) for i in range(20)],
                     *[piece("John Keats", f"K{i}", 40) for i in range(20)])
    poems = author_poems(corpus, {"Emily Dickinson"}, poet_chars=8000, author_chars=2000, seed=1)
    chars = {name: sum(len(p.text) for p in poems if p.poet == name) for name in ("Emily Dickinson", "John Keats")}
    block = len(corpus.pieces[0].blocks[0])  # the last piece taken may pass the allowance by part of a block
    assert 7000 < chars["Emily Dickinson"] <= 8000 + block and 1500 < chars["John Keats"] <= 2000 + block
    assert len({p.title for p in poems if p.poet == "John Keats"}) >= PIECES_AT_LEAST  # spread over works


def test_training_poems_anthologies_and_unattributed_books_are_left_out():
    corpus = cleaned(piece("Emily Dickinson", "poem", 5, source=POEMS_SOURCE), piece(UNATTRIBUTED, "anthology", 5),
                     piece("John Keats", "editor's book", 5, attributed=False))
    assert author_poems(corpus, {"Emily Dickinson"}, 10_000, 10_000, seed=1) == []


def test_the_draw_is_fixed_by_the_seed():
    corpus = cleaned(*[piece("John Keats", f"K{i}", 3) for i in range(30)])
    first = author_poems(corpus, set(), 0, 1500, seed=1)
    assert first == author_poems(corpus, set(), 0, 1500, seed=1)
    assert first != author_poems(corpus, set(), 0, 1500, seed=2)
