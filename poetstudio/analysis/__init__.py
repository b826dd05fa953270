"""Reading a poem: rhyme scheme, syllables, stress and meter, and form (no torch; the CMU dictionary)."""

from poetstudio.analysis.report import LineReading, PoemReading, analyze_poem

__all__ = ["LineReading", "PoemReading", "analyze_poem"]
