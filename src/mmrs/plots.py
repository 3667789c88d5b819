"""Figures shared by several notebooks."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pandas as pd


def upset(counts: pd.Series, *, size=(6.5, 3.6)):
    """An UpSet plot of counts indexed by tuples of set names (e.g. the
    databases that found each unique record)."""
    import upsetplot

    fig = plt.figure(figsize=size)
    with warnings.catch_warnings():
        # upsetplot 0.9 calls a pandas method that pandas 2.3 reports as changing; the plot is unaffected
        warnings.filterwarnings("ignore", category=FutureWarning, module="upsetplot")
        data = upsetplot.from_memberships(list(counts.index), data=counts.to_numpy())
        upsetplot.UpSet(data, sort_by="cardinality", show_counts=True).plot(fig=fig)
    return fig
