"""Verse from the general corpus's books for an adapter, each passage under its author's name.

An adapter over a pretrained base learns the ten poets from their poems (poems.jsonl) and from their own books
in `general/` (the plays, Aurora Leigh, more Yeats), and every other corpus author from a slice of their books,
so a person can also ask for Keats or Byron. The cleaned corpus (poetstudio.corpus.cleaning) has already lost
every block that shares an 8-gram with a held-out poem and every duplicate of a training poem. Which pieces an
author gives is a fixed draw from the run's seed, spread over their books rather than the first one.
"""

from __future__ import annotations

import hashlib

from poetstudio.corpus.cleaning import POEMS_SOURCE, UNATTRIBUTED, CleanResult
from poetstudio.corpus.poem import Poem

PIECES_AT_LEAST = 8  # an author's allowance comes from 8 or more works or parts: one play is not Shakespeare


def _draw(seed: int, piece_key: str) -> bytes:
    return hashlib.sha256(f"{seed}\n{piece_key}".encode()).digest()


def _capped_text(blocks: list[str], chars: int) -> str:
    kept, used = [], 0
    for block in blocks:
        if kept and used + len(block) > chars:
            break
        kept.append(block)
        used += len(block) + 2
    return "\n\n".join(kept)


def author_poems(cleaned: CleanResult, poets: set[str], poet_chars: int, author_chars: int, seed: int) -> list[Poem]:
    """Book verse as poems under their authors: up to `poet_chars` characters for each of `poets` (beyond their
    poems.jsonl poems, which are not taken here) and `author_chars` for every other attributed author.
    A piece gives at most an eighth of its author's allowance, so the allowance spreads over several works;
    it is cut at a block boundary, and always gives its first block, so an author may pass the allowance by
    part of one block."""
    by_author: dict[str, list] = {}
    for piece in cleaned.pieces:
        if piece.source == POEMS_SOURCE or not piece.attributed or piece.author == UNATTRIBUTED:
            continue
        by_author.setdefault(piece.author, []).append(piece)
    poems: list[Poem] = []
    for author in sorted(by_author):
        allowance = poet_chars if author in poets else author_chars
        per_piece = max(1, allowance // PIECES_AT_LEAST)
        pieces = sorted(by_author[author], key=lambda p: _draw(seed, f"{p.source}\0{p.title}\0{p.blocks[0]}"))
        for piece in pieces:
            if allowance <= 0:
                break
            text = _capped_text(piece.blocks, min(allowance, per_piece))
            if not text.strip():
                continue
            allowance -= len(text)
            poems.append(Poem(author, piece.title or "Untitled", text, source=piece.source))
    return poems
