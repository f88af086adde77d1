"""Bar charts of a ranking group's scores for the monthly bulletin, drawn with matplotlib's Agg backend as PNG.

Chinese labels need a CJK font. It is looked for among the fonts matplotlib knows (its font manager reads the
system's font directories), then through fontconfig (`fc-list :lang=zh`) for a font file matplotlib has not
registered. With none at all the chart is still drawn, labelled with unit codes, and a warning is logged: a
bulletin without Chinese labels on one chart is better than no bulletin.
"""

from __future__ import annotations

import functools
import io
import logging
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

log = logging.getLogger(__name__)

# Sans-serif CJK families, best first: charts read better in a 黑体-like face than in 宋体.
PREFERRED_FONTS = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Noto Sans SC", "Noto Serif CJK SC", "SimSun",
    "AR PL UMing CN",
)
PRAISED, BOTTOM, OTHER = "#2f7d4f", "#c0392b", "#4a6f98"
WIDTH_IN = 6.2  # the bulletin's 15.6 cm text width, less a margin


@dataclass(frozen=True)
class Bar:
    name: str  # the unit's Chinese name
    code: str  # its code: the label when no CJK font is installed
    score: float
    praised: bool = False
    bottom: bool = False


@functools.cache
def cjk_font() -> font_manager.FontProperties | None:
    """A font that draws Chinese, or None (then labels fall back to codes)."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    for name in PREFERRED_FONTS:
        if name in known:
            # By family, not file: one .ttc file holds the SC, TC, JP and KR faces, and the SC one is wanted.
            return font_manager.FontProperties(family=name)
    path = _fontconfig_cjk_file()
    if path:
        return font_manager.FontProperties(fname=path)
    log.warning("no CJK font found (install fonts-noto-cjk): bulletin charts are labelled with unit codes")
    return None


def _fontconfig_cjk_file() -> str | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
    # Prefer sans faces, and a regular weight over bold.
    files.sort(key=lambda f: ("sans" not in f.lower(), "bold" in f.lower()))
    return files[0] if files else None


def score_chart(title: str, bars: Sequence[Bar], *, font: font_manager.FontProperties | None = None,
                use_cjk: bool = True) -> bytes:
    """Horizontal bars of scores in rank order (first at the top), praised units green and bottom units red.

    `use_cjk=False` (or no CJK font on the machine) draws unit codes and leaves out the Chinese title.
    """
    font = font or (cjk_font() if use_cjk else None)
    labels = [b.name if font else b.code for b in bars]
    height = max(2.0, 0.6 + 0.27 * len(bars))
    figure = Figure(figsize=(WIDTH_IN, height), dpi=150)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    positions = list(range(len(bars)))[::-1]
    colours = [PRAISED if b.praised else BOTTOM if b.bottom else OTHER for b in bars]
    ax.barh(positions, [b.score for b in bars], color=colours, height=0.62)
    ax.set_yticks(positions, labels, fontproperties=font, fontsize=8)
    scores = [b.score for b in bars] or [100.0]
    low = max(0.0, min(scores) - 5)
    # Start the axis near the lowest score: scores of 90–100 would otherwise look all the same.
    # … and leave room right of the longest bar for its figure.
    ax.set_xlim(low - (low % 5), max(100.0, max(scores)) + 2.5)
    for y, b in zip(positions, bars, strict=True):
        ax.text(b.score + 0.1, y, f"{b.score:.2f}", va="center", fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", linewidth=0.4, alpha=0.5)
    ax.set_axisbelow(True)
    if font is not None and title:
        ax.set_title(title, fontproperties=font, fontsize=10)
        ax.set_xlabel("得分", fontproperties=font, fontsize=8)
    else:
        ax.set_xlabel("score", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
