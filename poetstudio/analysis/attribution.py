"""The result of attribution (which poets a poem reads like), as plain data the studio can hold without torch.

The judge (poetstudio.analysis.judge) or the model (poetstudio.engine.attribution) computes it; the studio
and the library only read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attribution:
    """Shares per poet (they sum to 1), the mean log-likelihood per token under each poet (model only), how
    much of the poem was read (tokens for the model, passages for the judge), and which method read it:
    'judge' (the poet classifier: shares are its probabilities) or 'model' (the blend that best explains
    the poem's tokens)."""

    shares: dict[str, float]
    loglik: dict[str, float]
    tokens: int
    method: str = "model"

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {"shares": dict(self.shares), "loglik": dict(self.loglik), "tokens": self.tokens, "method": self.method}

    @classmethod
    def from_dict(cls, data: dict) -> Attribution:
        """Back from `to_dict`."""
        return cls(dict(data["shares"]), dict(data.get("loglik", {})), int(data.get("tokens", 0)),
                   str(data.get("method", "model")))

    @property
    def best(self) -> str:
        """The poet with the largest share."""
        return max(self.shares, key=self.shares.get)
