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
    beyond the ``top``. The combinations left out are summed in a line under the plot."""
    import upsetplot

    counts = counts[counts > 0]
    fig = plt.figure(figsize=size)
    with warnings.catch_warnings(), plt.rc_context({"font.size": 8}):
        # upsetplot 0.9 calls a pandas method that pandas 2.3 reports as changing; the plot is unaffected
        warnings.filterwarnings("ignore", category=FutureWarning, module="upsetplot")
        data = upsetplot.from_memberships(list(counts.index), data=counts.to_numpy())
        plot = upsetplot.UpSet(data, sort_by="cardinality", sort_categories_by="cardinality", show_counts="{:,}",
                               max_subset_rank=top, element_size=None, totals_plot_elements=3)
        axes = plot.plot(fig=fig)
    for text in axes["intersections"].texts:  # counts above the bars: upright, so neighbours cannot overlap
        text.set_rotation(90)
        text.set_verticalalignment("bottom")
    axes["intersections"].set_ylim(0, counts.max() * 1.22)
    axes["totals"].set_xlabel("Records per set")
    axes["intersections"].set_ylabel("Records")
    shown = len(plot.intersections)
    if shown < len(counts):
        rest = counts.sort_values(ascending=False, kind="stable").iloc[shown:]
        fig.text(0.99, 0.01, f"Not shown: {len(rest)} further combinations with {int(rest.sum()):,} records in all.",
                 ha="right", va="bottom", fontsize=8)
    return fig
