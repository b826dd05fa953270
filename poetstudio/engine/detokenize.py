"""Turn a growing list of token ids into text pieces that are always whole characters."""

from __future__ import annotations


class StreamDecoder:
    """Emits only the new text since the last call, holding back an unfinished UTF-8 character."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.text = ""

    def push(self, token_id: int) -> str:
        """Add a token and return the text it completed (possibly empty)."""
        self.ids.append(token_id)
        decoded = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if decoded.endswith("\ufffd"):
            return ""
        piece, self.text = decoded[len(self.text):], decoded
        return piece
