"""Charts as SVG, drawn on the server: one Vega-Lite specification rendered by vl-convert (no browser,
no JavaScript), the same picture on a page and in a PDF.

Every chart comes with its figures as a table beside it (the page's and the PDF's template): the SVG
is one `role="img"` with a French label that says so, and Vega's own ARIA text (English) is off.
Numbers are written the French way (vl-convert's fr-FR locale).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1f3f7a", "#4f79c4", "#9ab8e6", "#c9d9f2", "#6b7a8f", "#b5651d"]
FONT = "DejaVu Sans, Arial, sans-serif"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def _config() -> dict[str, Any]:
    return {
        "aria": False,
        "font": FONT,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#1b1b1b", "titleColor": "#1b1b1b", "grid": False},
        "legend": {"labelFontSize": 12, "titleFontSize": 12},
        "bar": {"color": PALETTE[0]},
    }


@cache
def _converter() -> Any:
    import vl_convert  # imported on first chart: the library is large and most requests draw none

    return vl_convert


def render_svg(spec: dict[str, Any], *, label: str) -> SafeString:
    """The SVG of a Vega-Lite specification, as one image whose French `label` says what it shows."""
    spec = {"$schema": SCHEMA, "config": _config(), **spec}
    svg = _converter().vegalite_to_svg(spec, format_locale="fr-FR", time_format_locale="fr-FR")
    svg = re.sub(r"\s(role|aria-roledescription|aria-label|aria-hidden)=\"[^\"]*\"", "", svg)
    opening = f'<svg role="img" aria-label="{html.escape(label)}" focusable="false" '
    return mark_safe(svg.replace("<svg ", opening, 1))  # noqa: S308 - built here from escaped data


def bar_chart(
    rows: Sequence[tuple[str, float]], *, label: str, value_title: str, percent: bool = False, width: int = 460
) -> SafeString:
    """Horizontal bars, in the order given, the value written at the end of each bar."""
    values = [{"category": name, "value": value} for name, value in rows]
    value_format = ".0%" if percent else ",d"
    x = {"field": "value", "type": "quantitative", "title": value_title, "axis": {"format": value_format, "tickCount": 5}}
    y = {"field": "category", "type": "nominal", "title": None, "sort": None, "axis": {"labelLimit": 320}}
    spec = {
        "width": width,
        "height": {"step": 26},
        "data": {"values": values},
        "layer": [
            {"mark": {"type": "bar", "color": PALETTE[0]}, "encoding": {"x": x, "y": y}},
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "color": "#1b1b1b", "fontSize": 12},
                "encoding": {"x": x, "y": y, "text": {"field": "value", "type": "quantitative", "format": value_format}},
            },
        ],
    }
    return render_svg(spec, label=label)


def column_chart(
    rows: Sequence[tuple[str, float]], *, label: str, value_title: str, width: int = 560, height: int = 200
) -> SafeString:
    """Vertical bars over ordered categories (months, weeks), in the order given."""
    values = [{"category": name, "value": value} for name, value in rows]
    label_angle = -40 if len(rows) > 6 else 0  # twelve month names side by side overlap
    spec = {
        "width": width,
        "height": height,
        "data": {"values": values},
        "mark": {"type": "bar", "color": PALETTE[1]},
        "encoding": {
            "x": {"field": "category", "type": "ordinal", "title": None, "sort": None, "axis": {"labelAngle": label_angle}},
            "y": {"field": "value", "type": "quantitative", "title": value_title, "axis": {"format": ",d", "tickCount": 5}},
        },
    }
    return render_svg(spec, label=label)
