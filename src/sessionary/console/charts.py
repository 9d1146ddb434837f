"""Server-rendered SVG charts: no JavaScript, scale with the page (viewBox), and carry a text
equivalent (<title>, <desc> and a data table next to them in the template)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

# Dark enough on white for 4.5:1 text contrast; bars use the same colours.
BAR = "#1f5fa8"
STATUS_COLOURS = {
    "active": "#1d6b36",
    "closed": "#1f5fa8",
    "expired": "#8a4b00",
    "deleted": "#6b6b6b",
}
INK = "#1a1a1a"


def _nice_max(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^k at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(1, step * factor)
        step *= 10


def bar_chart(points: Sequence[tuple[date, int]], title: str, unit: str) -> Markup:
    """Vertical bars, one per day, with the axis maximum and first/last day labelled."""
    width, height, left, bottom, top = 640, 220, 48, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    peak = _nice_max(max((v for _, v in points), default=0))
    slot = plot_w / max(1, len(points))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}: {escape(_describe(points, unit))}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" '
        f'stroke="{INK}" stroke-width="1"/>',
        _text(left - 6, top + 10, str(peak), "end"),
        _text(left - 6, top + plot_h, "0", "end"),
    ]
    for i, (day, value) in enumerate(points):
        bar_h = plot_h * value / peak
        x = left + i * slot + slot * 0.15
        y = top + plot_h - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" '
            f'fill="{BAR}"><title>{day.isoformat()}: {value} {escape(unit)}</title></rect>'
        )
    if points:
        parts.append(_text(left, height - 8, points[0][0].isoformat(), "start"))
        parts.append(_text(width - 8, height - 8, points[-1][0].isoformat(), "end"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is a number or escaped


def status_chart(counts: dict[str, int], title: str) -> Markup:
    """One horizontal bar per status, labelled with its name and count."""
    statuses = ["active", "closed", "expired", "deleted"]
    row_h, label_w, width = 30, 80, 640
    height = row_h * len(statuses) + 8
    peak = max(1, max((counts.get(s, 0) for s in statuses), default=0))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, status in enumerate(statuses):
        value = counts.get(status, 0)
        y = 4 + i * row_h
        bar_w = (width - label_w - 90) * value / peak
        parts.append(_text(label_w - 8, y + 19, status, "end"))
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w:.1f}" height="{row_h - 10}" '
            f'fill="{STATUS_COLOURS[status]}"/>'
        )
        parts.append(_text(label_w + bar_w + 6, y + 19, str(value), "start"))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is a number or escaped


def _text(x: float, y: float, value: str, anchor: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12" '
        f'fill="{INK}">{escape(value)}</text>'
    )


def _describe(points: Sequence[tuple[date, int]], unit: str) -> str:
    total = sum(v for _, v in points)
    if not points:
        return "no data"
    return f"{total} {unit} from {points[0][0].isoformat()} to {points[-1][0].isoformat()}"
