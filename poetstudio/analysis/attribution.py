"""The result of attribution (which poets a poem reads like), as plain data the studio can hold without torch.

The engine computes it (poetstudio.engine.attribution); the studio and the library only read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attribution:
    """Shares per poet (the blend that best explains the poem; they sum to 1), the mean log-likelihood per
    token under each poet, and how many of the poem's tokens were read."""

    shares: dict[str, float]
    loglik: dict[str, float]
    tokens: int

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {"shares": dict(self.shares), "loglik": dict(self.loglik), "tokens": self.tokens}

    @classmethod
    def from_dict(cls, data: dict) -> "Attribution":
        """Back from `to_dict`."""
        return cls(dict(data["shares"]), dict(data.get("loglik", {})), int(data.get("tokens", 0)))

    @property
    def best(self) -> str:
        """The poet with the largest share."""
        return max(self.shares, key=self.shares.get)
