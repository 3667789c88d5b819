"""Figures shared by several notebooks."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pandas as pd


def upset(counts: pd.Series, *, top: int | None = 15, size=(6.3, 3.9)):
    """An UpSet plot of counts indexed by tuples of set names (e.g. the databases that found each
    unique record): one bar per combination, the ``top`` largest shown (ties included).

    The totals beside the set names count every element of a set, in all combinations, shown or
    not, so each equals the set's size; every set is listed, even one whose combinations are all
    beyond the ``top``. The combinations left out are summed in a line under the plot.

    Drawn in the style of every other figure: bars and dots in the palette's blue (Okabe-Ito), each
    set's size beside its name rather than at the end of its bar (where it ran into the bar), and the
    counts above the combinations' bars set a little above them."""
    import upsetplot

    from .outputs import OKABE_ITO

    counts = counts[counts > 0]
    sizes: dict[str, int] = {}
    for members, n in counts.items():
        for name in members:
            sizes[name] = sizes.get(name, 0) + int(n)
    named = {name: f"{name} ({size:,})" for name, size in sizes.items()}
    counts = pd.Series(counts.to_numpy(), index=[tuple(named[m] for m in members) for members in counts.index])
    fig = plt.figure(figsize=size)
    with warnings.catch_warnings(), plt.rc_context({"font.size": 8}):
        # upsetplot 0.9 calls a pandas method that pandas 2.3 reports as changing; the plot is unaffected
        warnings.filterwarnings("ignore", category=FutureWarning, module="upsetplot")
        data = upsetplot.from_memberships(list(counts.index), data=counts.to_numpy())
        plot = upsetplot.UpSet(data, sort_by="cardinality", sort_categories_by="cardinality", show_counts="{:,}",
                               max_subset_rank=top, element_size=None, totals_plot_elements=3,
                               facecolor=OKABE_ITO["blue"], other_dots_color=0.25, shading_color=0.06)
        axes = plot.plot(fig=fig)
    lift = counts.max() * 0.02
    for text in axes["intersections"].texts:  # counts above the bars: upright, so neighbours cannot overlap
        text.set_rotation(90)
        text.set_verticalalignment("bottom")
        text.set_horizontalalignment("center")
        x, y = text.get_position()
        text.set_position((x, y + lift))
    for text in list(axes["totals"].texts):  # the set sizes are in the set names
        text.remove()
    axes["intersections"].set_ylim(0, counts.max() * 1.25)
    axes["totals"].set_xlabel("Records per set")
    axes["intersections"].set_ylabel("Records")
    shown = len(plot.intersections)
    if shown < len(counts):
        rest = counts.sort_values(ascending=False, kind="stable").iloc[shown:]
        fig.text(0.99, 0.01, f"Not shown: {len(rest)} further combinations with {int(rest.sum()):,} records in all.",
                 ha="right", va="bottom", fontsize=8)
    return fig
