"""The SQL statements a piece of work runs, for tests that hold it to asking once what it needs once."""
from sqlalchemy import event

from engine.store import get_engine


class Statements:
    """The SQL statements run while it is active, with their parameters."""

    def __enter__(self):
        self.seen = []
        event.listen(get_engine(), "before_cursor_execute", self._count)
        return self

    def _count(self, _conn, _cursor, statement, parameters, _context, _many):
        self.seen.append((statement, parameters))

    def __exit__(self, *exc):
        event.remove(get_engine(), "before_cursor_execute", self._count)

    def reading(self, table: str, *values) -> list[str]:
        """The statements that read `table` (FROM it), given all of `values` as parameters."""
        return [statement for statement, parameters in self.seen
                if f"FROM {table}" in statement and all(v in _listed(parameters) for v in values)]


def _listed(parameters) -> list:
    return list(parameters.values()) if isinstance(parameters, dict) else list(parameters or ())
