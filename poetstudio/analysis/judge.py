"""The judge: a poet classifier of a text's characters and words that shares nothing with the model.

Two TF-IDF feature sets (character n-grams with case kept, and lower-cased word unigrams and bigrams),
each L2-normalised, and a multinomial logistic regression over them. The trainer (trainer/judge.py)
fits it with scikit-learn and stores vocabulary, idf and coefficients as JSON and safetensors; this
module reproduces the same features and probabilities with numpy alone (no scikit-learn, no torch, no
pickle). A text is cut into passages of a generated poem's length (as the judge was trained) and the
passages' log-probabilities are averaged.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from poetstudio.analysis.attribution import Attribution
from poetstudio.errors import UserError

FORMAT_VERSION = 1
META_FILE = "judge.json"
WEIGHTS_FILE = "judge.safetensors"
WORD_PATTERN = r"(?u)\w+(?:'\w+)*"  # words with inner apostrophes kept whole: o'er, thou'rt, 'tis -> tis
_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's own whitespace rule for character n-grams
_TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "\u2014"})
PASSAGE_MAX_LINES = 14  # a generated poem of 120-256 new tokens runs about 8-20 lines
MAX_PASSAGES = 8  # per poem: a 1,300-line Whitman poem counts no more than a 40-line one


def normalise(text: str) -> str:
    """The text both feature sets read: typographic quotes and dashes in one form each ('--' is an em
    dash), every line stripped, blank lines and runs of spaces dropped. Editions differ in these; poets don't."""
    text = text.translate(_TYPOGRAPHY).replace("--", "\u2014")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def lower_normalise(text: str) -> str:
    """`normalise`, lower-cased: what the word features read."""
    return normalise(text).lower()


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams exactly as scikit-learn's analyzer='char' makes them (after `normalise`)."""
    text = _WHITE_SPACES.sub(" ", text)
    grams: list[str] = []
    for n in range(low, min(high + 1, len(text) + 1)):
        grams.extend(text[i : i + n] for i in range(len(text) - n + 1))
    return grams


def word_ngrams(text: str, low: int, high: int, pattern: str = WORD_PATTERN) -> list[str]:
    """Word n-grams exactly as scikit-learn's analyzer='word' makes them (after `lower_normalise`)."""
    tokens = re.findall(pattern, text)
    grams: list[str] = []
    for n in range(low, min(high + 1, len(tokens) + 1)):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def line_chunks(text: str, max_lines: int = PASSAGE_MAX_LINES, max_passages: int = MAX_PASSAGES) -> list[str]:
    """The text's non-blank lines in passages of at most `max_lines`, as even in length as can be (a 15-line
    poem gives 8 + 7); a poem of more than `max_passages` passages keeps that many, spread evenly over it."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    count = math.ceil(len(lines) / max_lines)
    bounds = [round(i * len(lines) / count) for i in range(count + 1)]
    chunks = ["\n".join(lines[a:b]) for a, b in zip(bounds, bounds[1:])]
    if len(chunks) > max_passages:
        chunks = [chunks[round(i * (len(chunks) - 1) / (max_passages - 1))] for i in range(max_passages)]
    return chunks


@dataclass
class FeatureSet:
    """One TF-IDF feature set: its vocabulary (term -> column), idf per column, n-gram range and kind."""

    kind: str
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray

    def grams(self, text: str) -> list[str]:
        """The text's n-grams for this feature set."""
        low, high = self.ngram_range
        if self.kind == "char":
            return char_ngrams(normalise(text), low, high)
        return word_ngrams(lower_normalise(text), low, high)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of the text's L2-normalised, sublinear TF-IDF vector."""
        counts = Counter(self.vocabulary[g] for g in self.grams(text) if g in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self.idf[columns]
        return columns, values / np.linalg.norm(values)


@dataclass
class Judge:
    """The poet classifier: feature sets side by side, then softmax(X @ coef.T + intercept) over `poets`."""

    poets: list[str]
    features: list[FeatureSet]
    coef: np.ndarray
    intercept: np.ndarray
    info: dict = field(default_factory=dict)

    def passage_logprobs(self, text: str) -> np.ndarray:
        """Log-probabilities of each poet for one passage (uniform for a text with no known n-gram)."""
        scores = self.intercept.astype(np.float64).copy()
        offset = 0
        for feature in self.features:
            columns, values = feature.vector(text)
            scores += self.coef[:, offset + columns].astype(np.float64) @ values
            offset += len(feature.idf)
        scores -= scores.max()
        return scores - math.log(np.exp(scores).sum())

    def probabilities(self, text: str) -> dict[str, float]:
        """How likely each poet wrote `text`: the passages' log-probabilities averaged, renormalised."""
        chunks = line_chunks(text) or [text]
        mean = np.mean([self.passage_logprobs(chunk) for chunk in chunks], axis=0)
        shares = np.exp(mean - mean.max())
        shares /= shares.sum()
        return {poet: float(p) for poet, p in zip(self.poets, shares)}

    def attribute(self, text: str) -> Attribution:
        """The studio's *reads like*: the judge's probabilities as shares (no log-likelihoods, no tokens)."""
        if not text.strip():
            return Attribution({p: 1.0 / len(self.poets) for p in self.poets}, {}, 0, "judge")
        return Attribution(self.probabilities(text), {}, len(line_chunks(text)), "judge")


def judge_parts(judge: Judge) -> tuple[dict, dict[str, np.ndarray]]:
    """The judge as (JSON-able metadata with the vocabularies, arrays for safetensors)."""
    meta = {"format": FORMAT_VERSION, "poets": judge.poets, "info": judge.info, "features": [
        {"kind": f.kind, "ngram_range": list(f.ngram_range), "vocabulary": sorted(f.vocabulary, key=f.vocabulary.get)}
        for f in judge.features
    ]}
    arrays = {f"idf_{i}": f.idf.astype(np.float32) for i, f in enumerate(judge.features)}
    arrays.update(coef=judge.coef.astype(np.float32), intercept=judge.intercept.astype(np.float32))
    return meta, arrays


def judge_from_parts(meta: dict, arrays: dict[str, np.ndarray]) -> Judge:
    """Back from `judge_parts`."""
    if meta.get("format") != FORMAT_VERSION:
        raise UserError(f"judge format {meta.get('format')} is not {FORMAT_VERSION}; "
                        "rebuild it with `poetstudio train --recipe judge`")
    features = [
        FeatureSet(f["kind"], tuple(f["ngram_range"]), {term: i for i, term in enumerate(f["vocabulary"])},
                   arrays[f"idf_{i}"].astype(np.float64))
        for i, f in enumerate(meta["features"])
    ]
    return Judge(list(meta["poets"]), features, arrays["coef"], arrays["intercept"], dict(meta.get("info", {})))


def save_judge(judge: Judge, folder: str | Path) -> Path:
    """Write judge.json and judge.safetensors into `folder` (created); no pickle."""
    from safetensors.numpy import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta, arrays = judge_parts(judge)
    (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    save_file(arrays, str(folder / WEIGHTS_FILE))
    return folder


def load_judge(folder: str | Path) -> Judge:
    """Read a judge written by `save_judge`; a missing or broken file is a one-line UserError."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    folder = Path(folder)
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        arrays = load_file(str(folder / WEIGHTS_FILE))
        return judge_from_parts(meta, arrays)
    except FileNotFoundError as exc:
        raise UserError(f"{folder}: no judge here ({Path(exc.filename).name} is missing); "
                        "build one with `poetstudio train --recipe judge`") from None
    except (json.JSONDecodeError, SafetensorError, KeyError, IndexError, ValueError) as exc:
        raise UserError(f"{folder}: broken judge files ({type(exc).__name__}); "
                        "rebuild with `poetstudio train --recipe judge`") from None
