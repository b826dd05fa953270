"""Build the judge (poetstudio.analysis.judge) with scikit-learn: the only place scikit-learn is used.

`poetstudio train --recipe judge` reads the corpus, takes the project's held-out split, cuts the training
poems into passages of a generated poem's length, fits character and word TF-IDF with a multinomial
logistic regression (classes balanced), measures accuracy on the held-out poems' passages, and writes
judge.json + judge.safetensors (no pickle) for the studio.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from poetstudio.analysis.judge import (
    WORD_PATTERN,
    FeatureSet,
    Judge,
    line_chunks,
    lower_normalise,
    normalise,
    save_judge,
)
from poetstudio.corpus.poem import Poem
from poetstudio.errors import UserError
from poetstudio.model_info import THIN_POEMS

CHAR_RANGE = (1, 4)  # up to four characters: endings, archaic spellings, punctuation around line breaks
WORD_RANGE = (1, 2)
MAX_CHAR_FEATURES = 30000  # the most frequent n-grams only: the shipped judge stays under 5 MB
MAX_WORD_FEATURES = 20000
MIN_DF = 2  # an n-gram in a single passage teaches nothing about a poet
REGULARISATION = 20.0  # inverse strength C, weak: many features, few passages (set once, never tuned on held-out poems)


@dataclass
class JudgeFit:
    """A fitted judge, the scikit-learn objects it came from (for checks), and how it was made."""

    judge: Judge
    vectorizers: list = field(default_factory=list)
    model: object = None


def judged_poets(poems: list[Poem], min_poems: int = THIN_POEMS) -> list[str]:
    """Poets with at least `min_poems` poems, sorted: fewer cannot be learned or measured fairly."""
    counts: dict[str, int] = {}
    for poem in poems:
        counts[poem.poet] = counts.get(poem.poet, 0) + 1
    return sorted(p for p, n in counts.items() if n >= min_poems)


def passages(poems: list[Poem], poets: list[str]) -> tuple[list[str], list[str]]:
    """(passage texts, poets) of the poems by `poets`, each poem cut by `line_chunks`."""
    texts, labels = [], []
    for poem in poems:
        if poem.poet in poets:
            for chunk in line_chunks(poem.text):
                texts.append(chunk)
                labels.append(poem.poet)
    return texts, labels


def fit_judge(poems: list[Poem], poets: list[str] | None = None, seed: int = 1234,
              c: float = REGULARISATION, max_char: int = MAX_CHAR_FEATURES, max_word: int = MAX_WORD_FEATURES,
              min_df: int = MIN_DF) -> JudgeFit:
    """Fit the judge on `poems` (the training split) for `poets` (default: every poet with enough poems)."""
    try:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise UserError("building the judge needs scikit-learn: pip install 'poetstudio[judge]'") from None
    poets = poets or judged_poets(poems)
    if len(poets) < 2:
        raise UserError(f"the judge needs at least two poets with {THIN_POEMS} or more poems; "
                        f"the corpus has {len(poets)}")
    texts, labels = passages(poems, poets)
    vectorizers = [
        TfidfVectorizer(analyzer="char", ngram_range=CHAR_RANGE, preprocessor=normalise, sublinear_tf=True,
                        min_df=min_df, max_features=max_char, dtype=np.float64),
        TfidfVectorizer(analyzer="word", ngram_range=WORD_RANGE, preprocessor=lower_normalise,
                        token_pattern=WORD_PATTERN, sublinear_tf=True, min_df=min_df, max_features=max_word,
                        dtype=np.float64),
    ]
    matrix = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)
    model.fit(matrix, labels)
    features = [
        FeatureSet(kind, tuple(v.ngram_range), {t: int(i) for t, i in v.vocabulary_.items()}, v.idf_.copy())
        for kind, v in zip(("char", "word"), vectorizers)
    ]
    order = [list(model.classes_).index(p) for p in poets]
    judge = Judge(list(poets), features, model.coef_[order].astype(np.float32),
                  model.intercept_[order].astype(np.float32),
                  {"passages": len(texts), "poems": sum(p.poet in poets for p in poems), "C": c})
    return JudgeFit(judge, vectorizers, model)


def sklearn_probabilities(fit: JudgeFit, texts: list[str]) -> np.ndarray:
    """The scikit-learn model's probabilities for `texts` (passages), columns in the judge's poet order."""
    from scipy.sparse import hstack

    matrix = hstack([v.transform(texts) for v in fit.vectorizers]).tocsr()
    probs = fit.model.predict_proba(matrix)
    return probs[:, [list(fit.model.classes_).index(p) for p in fit.judge.poets]]


def passage_accuracy(judge: Judge, poems: list[Poem]) -> dict[str, tuple[int, int]]:
    """Per poet judged: (passages named right, passages) over the held-out poems' passages."""
    texts, labels = passages(poems, judge.poets)
    result: dict[str, tuple[int, int]] = {p: (0, 0) for p in judge.poets if p in labels}
    for text, poet in zip(texts, labels):
        logprobs = judge.passage_logprobs(text)
        hit = judge.poets[int(np.argmax(logprobs))] == poet
        right, total = result[poet]
        result[poet] = (right + hit, total + 1)
    return result


def format_accuracy(accuracy: dict[str, tuple[int, int]]) -> str:
    """One line: overall, then per poet (surname right/total)."""
    right = sum(r for r, _ in accuracy.values())
    total = sum(t for _, t in accuracy.values())
    detail = ", ".join(f"{p.split()[-1]} {r}/{t}" for p, (r, t) in sorted(accuracy.items()))
    return (f"judge held-out accuracy: {right}/{total} = {right / max(total, 1):.1%} of held-out passages "
            f"(target 90%); {detail}")


def train_judge(config) -> Path:
    """`poetstudio train --recipe judge`: fit on the training split, report held-out accuracy, save."""
    from poetstudio.corpus import read_corpus
    from poetstudio.corpus.split import split_corpus

    started = time.perf_counter()
    report = read_corpus(config.corpus)
    split = split_corpus(report.poems, config.heldout_fraction)
    fit = fit_judge(split.train, seed=config.seed)
    accuracy = passage_accuracy(fit.judge, split.heldout)
    print(format_accuracy(accuracy))
    digest = hashlib.sha256("\n".join(sorted(p.key for p in report.poems)).encode()).hexdigest()[:16]
    fit.judge.info.update(
        heldout={p: list(v) for p, v in accuracy.items()}, corpus=[str(c) for c in config.corpus], corpus_hash=digest,
        heldout_fraction=config.heldout_fraction, seconds=round(time.perf_counter() - started, 1),
    )
    folder = save_judge(fit.judge, config.output)
    size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
    print(f"judge of {len(fit.judge.poets)} poets ({fit.judge.info['passages']} training passages) saved to {folder} "
          f"({size:.1f} MB) in {time.perf_counter() - started:.0f} s")
    return folder
