"""Reading poems from the formats people bring, cutting them into passages, and splitting them."""

from poetstudio.corpus.poem import Poem, ReadReport
from poetstudio.corpus.readers import read_corpus, read_path

__all__ = ["Poem", "ReadReport", "read_corpus", "read_path"]
