"""The one error type that reaches the user as a single line instead of a traceback."""


class UserError(Exception):
    """A problem the user can fix; its message is one line that says what to do."""


class CorpusError(UserError):
    """A corpus file that cannot be read at all (no usable poem, unknown layout, bad encoding)."""


class FileWriteError(UserError, OSError):
    """A file that could not be written (disk full, read-only, no permission, no folder), said in one line.

    It is an OSError too (with the cause's errno), so code that already catches OSError keeps working, and a
    UserError, so a command prints it as one line."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno
