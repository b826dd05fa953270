"""The shape shared by the free-verse rules that follow a poem as it is written (the line rule, the layout rule):
`allows(token)` asks whether the token's text keeps the rule, `push(token)` follows the token drawn. Special
tokens (end of text, padding) change nothing and are allowed unless a rule says otherwise (the line rule refuses
an end of the poem on a copied line)."""

from __future__ import annotations

from poetstudio.forms.tokens import TokenFacts


class TextRule:
    """A rule over the poem's text. A subclass sets `facts` and `state` and says in `_after(text, check)` what
    the state becomes after `text`, or None when `check` finds the text breaking the rule."""

    facts: TokenFacts
    state: object

    def allows(self, token: int) -> bool:
        """Whether `token` keeps the rule."""
        if token in self.facts.special:
            return True
        return self._after(self.facts.texts[token], check=True) is not None

    def push(self, token: int) -> None:
        """The token drawn: follow the poem."""
        if token not in self.facts.special:
            self.state = self._after(self.facts.texts[token], check=False)

    def _after(self, text: str, check: bool):
        """The state after `text`; None when `check` finds it breaking the rule."""
        raise NotImplementedError
