"""Shared fixtures: the fixture corpus, the shared corpus beside the checkout, the shipped model."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture
def fixtures() -> Path:
    """The folder of hand-written test corpora."""
    return FIXTURES


@pytest.fixture
def shared_corpus() -> Path:
    """../shared/corpus beside the checkout; tests using it skip (with the reason) where it is absent."""
    if not (SHARED_CORPUS / "poems.jsonl").exists():
        pytest.skip(f"needs the shared corpus at {SHARED_CORPUS} (CI always has it)")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def shipped_tokenizer():
    """The shipped base model's tokenizer."""
    from transformers import AutoTokenizer

    from poetstudio.model_info import default_base_dir

    return AutoTokenizer.from_pretrained(default_base_dir(), local_files_only=True)
