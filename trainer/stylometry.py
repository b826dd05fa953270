"""A second poet reader, for fitting the blend balance: function words, punctuation and line shape.

The balance (trainer/balance.py) needs a reader that hears the poets and shares nothing with the model; the
headline measure of blends is the judge (trainer/judge.py: character and word TF-IDF), so fitting the balance
with the judge would make the judge's figures partly true by construction. This reader is classic
stylometry instead (Burrows' "Delta" reads the most frequent words): the rates of the corpus's most frequent
words and of punctuation marks per word, and the shape of the lines, standardised, with a multinomial logistic
regression (scikit-learn) fitted on the training split's passages, cut as the judge cuts them.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

import numpy as np

from poetstudio.analysis.judge import WORD_PATTERN, line_chunks, normalise
from poetstudio.corpus.poem import Poem
from poetstudio.errors import UserError
from trainer.judge import passages

FREQUENT_WORDS = 200  # the corpus's most frequent words are nearly all function words: style, not topic
PUNCTUATION = (",", ";", ":", "!", "?", ".", "\u2014", "-", "'", '"', "(", "&")  # after `normalise` (one dash form)
LINE_END_MARKS = ",;:.!?\u2014"
REGULARISATION = 0.5  # inverse strength C on standardised features (set once, never tuned on held-out poems)
MAX_ITERATIONS = 3000  # room for lbfgs to converge on 218 features (scikit-learn's default 100 may stop short of it)


def words_of(text: str) -> list[str]:
    """The lower-cased words of a normalised text, as the judge's word features split them."""
    return re.findall(WORD_PATTERN, normalise(text).lower())


def frequent_words(texts: list[str], count: int = FREQUENT_WORDS) -> list[str]:
    """The `count` words found in the most passages (ties in alphabetical order, so the list is the same in
    every run)."""
    passages_with: Counter = Counter()
    for text in texts:
        passages_with.update(set(words_of(text)))
    return [word for word, _ in sorted(passages_with.items(), key=lambda item: (-item[1], item[0]))[:count]]


def line_shape(text: str) -> list[float]:
    """Mean and spread of words per line, shares of lines opening with a capital, ending on a mark, ending on
    a dash, and the mean word length."""
    lines = normalise(text).splitlines() or [""]
    per_line = [len(line.split()) for line in lines]
    words = words_of(text)
    return [statistics.fmean(per_line), statistics.pstdev(per_line),
            sum(line[:1].isupper() for line in lines) / len(lines),
            sum(line[-1:] in LINE_END_MARKS for line in lines) / len(lines),
            sum(line.endswith("\u2014") for line in lines) / len(lines),
            sum(len(w) for w in words) / max(len(words), 1)]


def features(text: str, vocabulary: list[str]) -> list[float]:
    """The reader's features of one passage: word rates, punctuation rates (per word), line shape."""
    words = words_of(text)
    total = max(len(words), 1)
    counts = Counter(words)
    flat = normalise(text)
    return ([counts[w] / total for w in vocabulary] + [flat.count(mark) / total for mark in PUNCTUATION]
            + line_shape(text))


@dataclass
class StyleReader:
    """A fitted stylometric reader: its poets, vocabulary, and the scikit-learn scaler and model."""

    poets: list[str]
    vocabulary: list[str]
    scaler: object
    model: object

    def passage_logprobs(self, passages: list[str]) -> np.ndarray:
        """Log-probabilities (passages x poets, in `poets` order)."""
        matrix = self.scaler.transform(np.array([features(p, self.vocabulary) for p in passages]))
        logprobs = self.model.predict_log_proba(matrix)
        return logprobs[:, [list(self.model.classes_).index(p) for p in self.poets]]

    def probabilities(self, text: str) -> dict[str, float]:
        """How much `text` reads like each poet: its passages' mean log-probabilities, normalised (as the judge)."""
        mean = self.passage_logprobs(line_chunks(text) or [text]).mean(axis=0)
        shares = np.exp(mean - mean.max())
        return dict(zip(self.poets, (shares / shares.sum()).tolist()))


def fit_reader(poems: list[Poem], poets: list[str], seed: int = 1234) -> StyleReader:
    """Fit the reader on `poems` (the training split) for `poets` (two or more); `seed` (the judge's, 1234)
    fixes the solver's randomness."""
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
    except ImportError:
        raise UserError("fitting the balance needs scikit-learn: pip install 'poetstudio[judge]'") from None
    if len(poets) < 2:
        raise UserError(f"the balance needs at least two poets to compare; this corpus gives {len(poets)}")
    texts, labels = passages(poems, poets)
    vocabulary = frequent_words(texts)
    matrix = np.array([features(t, vocabulary) for t in texts])
    scaler = StandardScaler().fit(matrix)
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=MAX_ITERATIONS,
                               random_state=seed)
    model.fit(scaler.transform(matrix), labels)
    return StyleReader(list(poets), vocabulary, scaler, model)


def reader_accuracy(reader: StyleReader, poems: list[Poem]) -> tuple[int, int]:
    """(passages named right, passages) over `poems` (the held-out split) by the reader's poets."""
    texts, labels = passages(poems, reader.poets)
    if not texts:
        return 0, 0
    picks = reader.passage_logprobs(texts).argmax(axis=1)
    return sum(reader.poets[i] == poet for i, poet in zip(picks, labels)), len(texts)
