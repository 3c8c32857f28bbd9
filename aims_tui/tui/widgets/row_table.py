"""A table of rows whose Home and End go to the first and last row.

Textual's DataTable binds Home and End to the first and last *column* (ctrl+home and
ctrl+end go to the top and bottom), which in a table with a row cursor does nothing
visible: on the Management system screen Home left the cursor where it was and the
Enter after it opened another register than the first. Every list in the app is one of
these (the register's paged table handles Home and End itself)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]
