"""The coverage heat map: one row per value of the first dimensions (industries by default), one
column per value of the last (activities), each cell coloured by its fill rate and labelled with
filled / needed and the advocates who can be asked now.

Drawn with matplotlib's Agg backend into PNG bytes, like the digest's chart (`handlers.digest.chart`):
the digest uploads it once through the outbox, `refdesk coverage --chart FILE.png` writes it.
matplotlib is imported when a chart is drawn, not when the app starts.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

from handlers.coverage.words import cell_labels, window
from store.coverage.figures import Cell, Coverage
from store.rules.policy import Policy

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: a cell where nothing was needed
GREY = (0.92, 0.92, 0.92, 1.0)
#: rows and columns drawn, the most needed first: a readable picture, not every cell
ROWS_MAX = 12
COLUMNS_MAX = 8


def _grid(cover: Coverage, policy: Policy) -> tuple[list[str], list[str], dict[tuple[str, str], Cell]]:
    """Row labels, column labels and the cell at each (row, column), the most needed first."""
    rows: dict[str, int] = {}
    columns: dict[str, int] = {}
    cells: dict[tuple[str, str], Cell] = {}
    for cell in cover.cells:
        labels = cell_labels(cover, policy, cell)
        row = " · ".join(labels[:-1]) if len(labels) > 1 else labels[0]
        column = labels[-1] if len(labels) > 1 else "all"
        rows[row] = rows.get(row, 0) + cell.needed
        columns[column] = columns.get(column, 0) + cell.needed
        cells[(row, column)] = cell
    top_rows = sorted(rows, key=lambda r: (-rows[r], r))[:ROWS_MAX]
    top_columns = sorted(columns, key=lambda c: (-columns[c], c))[:COLUMNS_MAX]
    return top_rows, top_columns, cells


def title(cover: Coverage, policy: Policy) -> str:
    dims = " and ".join(cover.by)
    return f"Fill rate by {dims}, {window(cover.since, cover.today)}"


def draw(cover: Coverage, policy: Policy, heading: str) -> bytes:
    """The heat map as PNG bytes (an empty window draws a picture that says so)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    rows, columns, cells = _grid(cover, policy)
    figure = Figure(figsize=(2.2 + 1.45 * max(len(columns), 2), 1.6 + 0.62 * max(len(rows), 1)), dpi=100)
    axes = figure.add_subplot()
    axes.set_title(heading, fontsize=11)
    if not rows:
        axes.text(0.5, 0.5, "No demand recorded in this window", ha="center", va="center")
        axes.set_axis_off()
        return _png(figure)
    scale, colours = Normalize(0, 1), colormaps["RdYlGn"]
    rates = [[_rate(cells.get((r, c))) for c in columns] for r in rows]
    painted = [[colours(scale(v)) if v is not None else GREY for v in line] for line in rates]
    axes.imshow(painted, aspect="auto")
    for y, row in enumerate(rows):
        for x, column in enumerate(columns):
            cell = cells.get((row, column))
            label = f"{cell.filled}/{cell.needed} filled\n{cell.supply} can be asked" if cell else "—"
            red, green, blue, _ = painted[y][x]
            ink = "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"
            axes.text(x, y, label, ha="center", va="center", fontsize=7.5, color=ink)
    axes.set_xticks(range(len(columns)), [textwrap.fill(c, 16) for c in columns], fontsize=8)
    axes.set_yticks(range(len(rows)), [textwrap.shorten(r, 40) for r in rows], fontsize=8)
    axes.tick_params(length=0)
    axes.spines[:].set_visible(False)
    bar = figure.colorbar(ScalarMappable(norm=scale, cmap=colours), ax=axes, fraction=0.04, pad=0.02)
    bar.set_label("fill rate (grey: nothing needed)", fontsize=8)
    figure.tight_layout()
    return _png(figure)


def _rate(cell: Cell | None) -> float | None:
    return cell.fill_rate if cell is not None else None


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
