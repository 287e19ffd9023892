"""Charts drawn on the server as SVG, from displayed (already suppressed) cells only.

Readable without colour: bars are hatched and labelled with their value, each line series has
its own dash pattern and marker shape and is named in the legend; every chart is
``role="img"`` with a ``<title>`` and a description, and the page puts the data table beside it.
A suppressed figure draws nothing and is labelled "suppressed".
"""

from __future__ import annotations

from html import escape

from app.services.impact.suppression import Cell

WIDTH = 640
LABEL_WIDTH = 210
ROW = 26
INK = ("#1d3f6e", "#8a3b12", "#2f5d2f", "#5b2a6e")
DASHES = ("", "8 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")


def _open(key: str, title: str, description: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{key}-title {key}-desc" class="chart">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(description)}</desc>',
    ]


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(key: str, title: str, labels: list[str], cells: list[Cell], unit: str = "") -> str:
    """Horizontal hatched bars, one per label, each with its value written at its end."""
    height = 20 + ROW * max(len(labels), 1)
    numbers = [float(c.value) for c in cells if c.value is not None]
    top = max(numbers, default=0.0) or 1.0
    span = WIDTH - LABEL_WIDTH - 110
    parts = _open(key, title, "Bar chart; the table beside it gives the same figures.", height)
    parts.append(
        f'<defs><pattern id="{key}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#dbe6f3"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK[0]}" stroke-width="3"/></pattern></defs>'
    )
    for n, (label, cell) in enumerate(zip(labels, cells, strict=True)):
        y = 10 + n * ROW
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" font-size="13" '
            f'fill="#222">{escape(_short(label))}</text>'
        )
        if cell.value is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 4}" y="{y + 16}" font-size="13" font-style="italic" '
                f'fill="#444">{escape(cell.text)}</text>'
            )
            continue
        width = max(1.0, span * float(cell.value) / top) if cell.value else 0.0
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{ROW - 8}" '
            f'fill="url(#{key}-hatch)" stroke="{INK[0]}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 16}" font-size="13" '
            f'fill="#222">{escape(cell.text)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _nice(value: float) -> float:
    """The smallest of 4, 8, 12, 20, 40, 60, 80, 120, 200... at or above ``value`` (so the four
    gridlines fall on whole numbers)."""
    magnitude = 1.0
    while True:
        for factor in (4, 8, 12, 20, 40, 60, 80):
            if factor * magnitude >= value:
                return factor * magnitude
        magnitude *= 10


def _marker(shape: str, x: float, y: float, ink: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{ink}"/>'
    if shape == "triangle":
        points = f"{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{points}" fill="{ink}"/>'
    if shape == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x - 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x + 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{ink}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{ink}"/>'


def line_chart(
    key: str, title: str, months: list[str], series: list[tuple[str, list[Cell]]]
) -> str:
    """One line per series over the months; a suppressed month breaks the line."""
    left, right, top_pad, plot_h = 50, 20, 16, 200
    legend_y = top_pad + plot_h + 44
    height = legend_y + 22 * len(series) + 8
    numbers = [float(c.value) for _, cells in series for c in cells if c.value is not None]
    top = _nice(max(numbers, default=0.0))
    step = (WIDTH - left - right) / max(len(months) - 1, 1)
    parts = _open(
        key, title, "Line chart by month; the table beside it gives the same figures.", height
    )
    for tick in range(5):
        value = top * tick / 4
        y = top_pad + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#ccc"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#222">{value:,.0f}</text>'
        )
    every = max(1, len(months) // 12)
    for n, month in enumerate(months):
        if n % every == 0:
            x = left + n * step
            parts.append(
                f'<text x="{x:.1f}" y="{top_pad + plot_h + 18}" text-anchor="middle" '
                f'font-size="11" fill="#222">{escape(month)}</text>'
            )
    for s, (name, cells) in enumerate(series):
        ink, dash, shape = INK[s % 4], DASHES[s % 4], MARKERS[s % 4]
        runs: list[list[tuple[float, float]]] = [[]]
        for n, cell in enumerate(cells):
            if cell.value is None:
                runs.append([])
                continue
            x = left + n * step
            y = top_pad + plot_h - plot_h * float(cell.value) / top
            runs[-1].append((x, y))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                dashing = f' stroke-dasharray="{dash}"' if dash else ""
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{ink}" '
                    f'stroke-width="2"{dashing}/>'
                )
            parts += [_marker(shape, x, y, ink) for x, y in run]
        ly = legend_y + 22 * s
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{left}" y1="{ly}" x2="{left + 40}" y2="{ly}" stroke="{ink}" '
            f'stroke-width="2"{dashing}/>{_marker(shape, left + 20, ly, ink)}'
            f'<text x="{left + 50}" y="{ly + 4}" font-size="13" fill="#222">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
