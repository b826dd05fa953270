"""The saved-poem library: SQLite (WAL, migrations, FTS5 search) in the user data folder."""

from poetstudio.library.store import Library, LibraryError, SavedPoem

__all__ = ["Library", "LibraryError", "SavedPoem"]
