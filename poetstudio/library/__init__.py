"""The saved-poem library: SQLite (WAL, migrations, FTS5 search) in the user data folder.

Readers (`Library.get`, `list`, `search`) never raise on a bad stored row: its `SavedPoem` has every field
of the declared type, `damaged` True and `damage` saying why (see `poetstudio.library.record`)."""

from poetstudio.library.record import SavedPoem, problems
from poetstudio.library.store import Library, LibraryError

__all__ = ["Library", "LibraryError", "SavedPoem", "problems"]
