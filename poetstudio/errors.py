"""The one error type that reaches the user as a single line instead of a traceback."""


class UserError(Exception):
    """A problem the user can fix; its message is one line that says what to do."""


class CorpusError(UserError):
    """A corpus file that cannot be read at all (no usable poem, unknown layout, bad encoding)."""
