"""A likelihood x impact heat map: counts per cell, selectable cells.

Each cell shows its count and the first letter of its level, so the level
reads without colour too (NO_COLOR). Selecting a cell posts CellChosen.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from ...core.scoring import Matrix
from ..render import colour_of
from .cells import DirectCells


class HeatMap(DirectCells, DataTable):
    DEFAULT_CSS = """
    HeatMap { height: 6; width: 36; overflow: hidden hidden; scrollbar-size: 0 0; }
    """

    class CellChosen(Message):
        def __init__(self, heat_map: "HeatMap", likelihood: int, impact: int) -> None:
            super().__init__()
            self.heat_map = heat_map
            self.likelihood = likelihood
            self.impact = impact

    def __init__(self, residual: bool, *, id: str | None = None) -> None:
        super().__init__(cursor_type="cell", show_row_labels=True, zebra_stripes=False, id=id)
        self.residual = residual
        self.matrix: Matrix | None = None

    def on_mount(self) -> None:
        # Build the grid (with its row labels) before the first paint: DataTable
        # caches its header line, which must already know the label column.
        self.show(Matrix(), {})

    def show(self, matrix: Matrix, counts: dict[tuple[int, int], int]) -> None:
        """Build the grid once, then update its cells in place."""
        shape = (matrix.n_likelihood, matrix.n_impact)
        if self.matrix is None or (self.matrix.n_likelihood, self.matrix.n_impact) != shape:
            self.clear(columns=True)
            for i in range(1, matrix.n_impact + 1):
                self.add_column(Text(f"I{i}", justify="center"), key=str(i), width=4)
            for lk in range(matrix.n_likelihood, 0, -1):
                self.add_row(*[self._cell(matrix, counts, lk, ik) for ik in range(1, matrix.n_impact + 1)],
                             key=str(lk), label=Text(f"L{lk}"))
        else:
            for lk in range(matrix.n_likelihood, 0, -1):
                for ik in range(1, matrix.n_impact + 1):
                    self.update_cell(str(lk), str(ik), self._cell(matrix, counts, lk, ik))
        self.matrix = matrix

    @staticmethod
    def _cell(matrix: Matrix, counts: dict[tuple[int, int], int], lk: int, ik: int) -> Text:
        band = matrix.level(lk, ik)
        n = counts.get((lk, ik), 0)
        label = f"{n:>2} {band.name[0]}" if n else f" . {band.name[0]}"
        return Text(label, style=f"{'bold ' if n else 'dim '}{colour_of(band.colour)}".strip())

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        if self.matrix is None:
            return
        lk = self.matrix.n_likelihood - event.coordinate.row
        ik = event.coordinate.column + 1
        self.post_message(self.CellChosen(self, lk, ik))
