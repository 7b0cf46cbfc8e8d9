"""The report's charts: PNG images drawn by matplotlib (Agg backend; same report, same bytes)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import attrs

from libops.domain.errors import LibopsError
from libops.report.blocks import day_label
from libops.report.sections import Report
from libops.report.words import Words, count, language, percent

CJK_FAMILIES: Final = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
"""CJK font families looked for, in order of preference."""

CJK_FONT_PACKAGE: Final = "fonts-wqy-microhei"
"""The Debian package that gives matplotlib a CJK font (``fonts-noto-cjk`` works too)."""

CHART_NAMES: Final = (
    "engagement_by_platform",
    "rate_by_content_type",
    "weekly_trend",
    "budget_positions",
    "risk_heat_map",
    "cadence",
)
"""The charts of a report, in the order they appear."""


class MissingCjkFontError(LibopsError):
    """No CJK font is installed where matplotlib can find it, so Chinese labels cannot render."""

    def __init__(self) -> None:
        super().__init__(
            "no CJK font found for Chinese chart labels: install the Debian package "
            f"{CJK_FONT_PACKAGE} (`apt-get install -y {CJK_FONT_PACKAGE}`) or fonts-noto-cjk, "
            "or render the report with lang='en'"
        )


def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    # A font installed after matplotlib built its cache: add the files themselves.
    for path in font_manager.findSystemFonts():
        lowered = path.lower()
        if any(
            mark in lowered
            for mark in ("wqy", "notosanscjk", "noto-cjk", "sourcehan", "droidsansfallback")
        ):
            font_manager.fontManager.addfont(path)
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


@contextmanager
def _style(lang: str) -> Iterator[None]:
    """matplotlib settings for one language: a CJK font first in the fallback list for zh."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context

    families = ["DejaVu Sans"]
    if lang == "zh":
        family = cjk_font()
        if family is None:
            raise MissingCjkFontError
        families = [family, "DejaVu Sans"]
    with rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": families,
            "axes.unicode_minus": False,
            "svg.hashsalt": "libops",
            "figure.dpi": 100,
        }
    ):
        yield


_COLOURS: Final = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096")


def render_charts(report: Report, *, lang: str | None = None) -> dict[str, bytes]:
    """Every chart of :data:`CHART_NAMES` as PNG bytes (same report, same bytes)."""
    words = language(report, lang)
    with _style(words.lang):
        return {name: _png(_drawn(name, report, words)) for name in CHART_NAMES}


def _png(figure: Any) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        figure.tight_layout()
        figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    finally:
        plt.close(figure)
    return buffer.getvalue()


def _figure(title: str, size: tuple[float, float], title_size: float | None) -> tuple[Any, Any]:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=size)
    if title_size is None:
        axes.set_title(title)
    else:
        axes.set_title(title, fontsize=title_size)
    return figure, axes


def _no_data(axes: Any, w: Words) -> None:
    axes.text(
        0.5,
        0.5,
        w("chart.no_data"),
        ha="center",
        va="center",
        fontsize=14,
        color="#718096",
        transform=axes.transAxes,
    )
    axes.set_xticks([])
    axes.set_yticks([])


def _stacked(axes: Any, labels: list[str], layers: Sequence[tuple[str, str, list[Any]]]) -> None:
    """Bars in layers, each (its legend label, colour, values) on top of the ones before."""
    bottom = [0] * len(labels)
    for label, colour, values in layers:
        axes.bar(labels, values, bottom=bottom, color=colour, label=label)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.legend()


def _engagement_by_platform(axes: Any, rows: Sequence[Any], w: Words) -> None:
    labels = [w.label(r.key) for r in rows]
    values = [r.engagements for r in rows]
    bars = axes.bar(labels, values, color=_COLOURS[: len(rows)])
    axes.bar_label(bars, labels=[count(v) for v in values])
    axes.set_ylabel(w("axis.engagements"))


def _rate_by_content_type(axes: Any, rows: Sequence[Any], w: Words) -> None:
    labels = [w.label(r.key) for r in rows]
    values = [
        float(r.engagement_rate * 100) if r.engagement_rate is not None else 0.0 for r in rows
    ]
    bars = axes.bar(labels, values, color=_COLOURS[1 : len(rows) + 1])
    axes.bar_label(bars, labels=[percent(r.engagement_rate) for r in rows])
    axes.set_ylabel(w("axis.rate"))


def _weekly_trend(axes: Any, weeks: Sequence[Any], w: Words) -> None:
    # Each week by its Monday, short ("30 Mar", "3月30日"), with the year in the axis label
    # when there is one; partial weeks (left out of the trend) are marked with an asterisk.
    years = sorted({r.start.year for r in weeks if r.start is not None})
    labels = [
        (day_label(r.start, w) if r.start is not None else r.key) + ("" if r.full else "*")
        for r in weeks
    ]
    axes.plot(
        labels,
        [r.engagements for r in weeks],
        marker="o",
        color=_COLOURS[0],
        label=w("axis.engagements"),
    )
    axes.set_ylabel(w("axis.engagements"))
    partial = "_partial" if not all(r.full for r in weeks) else ""
    axes.set_xlabel(
        w(f"axis.week_year{partial}", year=years[0])
        if len(years) == 1
        else w(f"axis.week{partial}")
    )
    axes.tick_params(axis="x", labelrotation=45)
    second = axes.twinx()
    second.plot(
        labels,
        [
            float(r.engagement_rate * 100) if r.engagement_rate is not None else float("nan")
            for r in weeks
        ],
        marker="s",
        linestyle="--",
        color=_COLOURS[1],
        label=w("axis.rate"),
    )
    second.set_ylabel(w("axis.rate"))
    handles = axes.get_legend_handles_labels()[0] + second.get_legend_handles_labels()[0]
    axes.legend(handles=handles, loc="upper left")


def _budget_positions(axes: Any, rows: Sequence[Any], w: Words) -> None:
    labels = [f"{w.label(r.subject)} ({w.label(r.currency)})" for r in rows]
    layers = [("spent", _COLOURS[1]), ("committed", _COLOURS[3]), ("available", _COLOURS[2])]
    _stacked(
        axes,
        labels,
        [
            (w.label(name), colour, [max(float(getattr(r, name)), 0.0) for r in rows])
            for name, colour in layers
        ],
    )
    axes.set_ylabel(w("axis.amount"))
    axes.tick_params(axis="x", labelrotation=20)


def _risk_heat_map(axes: Any, heat_maps: Sequence[Any], w: Words) -> None:
    (heat_map,) = heat_maps
    # Background: the score (likelihood x impact), so the bands show; counts written on top.
    scores = [[(l + 1) * (i + 1) for i in range(5)] for l in range(5)]  # noqa: E741  # l is likelihood, as in the register
    axes.imshow(scores, cmap="YlOrRd", origin="lower", vmin=1, vmax=25, alpha=0.55)
    for likelihood in range(5):
        for impact in range(5):
            n = heat_map[likelihood][impact]
            axes.text(
                impact,
                likelihood,
                str(n),
                ha="center",
                va="center",
                fontsize=15 if n else 10,
                color="#1a202c" if n else "#4a5568",
            )
    axes.set_xticks(range(5), [str(n) for n in range(1, 6)])
    axes.set_yticks(range(5), [str(n) for n in range(1, 6)])
    axes.set_xlabel(w("axis.impact"))
    axes.set_ylabel(w("axis.likelihood"))


def _cadence_chart(axes: Any, rows: Sequence[Any], w: Words) -> None:
    labels = [f"{w.label(r.platform)} / {w(f'per.{r.per}')}" for r in rows]
    layers = [("under", _COLOURS[1]), ("within", _COLOURS[2]), ("over", "#c53030")]
    _stacked(
        axes,
        labels,
        [(w(f"col.{name}"), colour, [getattr(r, name) for r in rows]) for name, colour in layers],
    )
    axes.set_ylabel(w("axis.periods"))


@attrs.frozen
class _Chart:
    """One chart: what it shows (none: "no data" is written instead) and how it is drawn."""

    rows: Callable[[Report], Sequence[Any]]
    draw: Callable[[Any, Sequence[Any], Words], None]
    size: tuple[float, float] = (7.5, 4.2)
    title_size: float | None = None


_CHARTS: Final[dict[str, _Chart]] = {
    "engagement_by_platform": _Chart(
        lambda report: report.engagement.by_platform, _engagement_by_platform
    ),
    "rate_by_content_type": _Chart(
        lambda report: report.engagement.by_content_type, _rate_by_content_type
    ),
    "weekly_trend": _Chart(lambda report: report.engagement.by_week, _weekly_trend),
    "budget_positions": _Chart(lambda report: report.budgets.by_category, _budget_positions),
    "risk_heat_map": _Chart(
        lambda report: [report.risks.heat_map], _risk_heat_map, size=(5.6, 5.0), title_size=10
    ),
    "cadence": _Chart(lambda report: [r for r in report.cadence if r.periods], _cadence_chart),
}


def _drawn(name: str, report: Report, w: Words) -> Any:
    """The figure of the chart ``name``: its title, then its rows drawn (or "no data")."""
    chart = _CHARTS[name]
    figure, axes = _figure(w(f"chart.{name}"), chart.size, chart.title_size)
    rows = chart.rows(report)
    if rows:
        chart.draw(axes, rows, w)
    else:
        _no_data(axes, w)
    return figure
