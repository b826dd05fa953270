"""Helpers for the tests of the rules that follow a poem token by token (line rule, layout, echo penalty)."""

from __future__ import annotations

from copy import deepcopy


def pushed(tokenizer, rule, text: str):
    """`rule` after following every token of `text` (returned, for chaining)."""
    for token in tokenizer.encode(text, add_special_tokens=False):
        rule.push(token)
    return rule


def allows_text(tokenizer, rule, text: str) -> bool:
    """Whether the rule lets every token of `text` through in turn (it does not keep them)."""
    rule = deepcopy(rule)
    for token in tokenizer.encode(text, add_special_tokens=False):
        if not rule.allows(token):
            return False
        rule.push(token)
    return True
