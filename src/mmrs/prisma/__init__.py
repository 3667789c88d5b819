"""The PRISMA 2020 flow of a review, in two steps that this package keeps apart.

- :mod:`.counts`: the data model and its arithmetic. Every record is put in
  one box (:func:`assign_boxes`), the boxes are counted per round and stream
  into a :class:`Flow` (:func:`flow`), and :meth:`Flow.check` verifies every
  subtraction the diagram will show.
- :mod:`.diagram`: drawing a checked flow as a PRISMA 2020 diagram
  (:func:`figure`): the wording of each box, its size and place, the arrows.

The names below are the package's public interface (``mmrs.prisma.flow``,
``mmrs.prisma.figure``, ...), whichever module defines them.
"""

from __future__ import annotations

from .counts import (BOX_LABELS, BOXES, OTHER, PENDING, Flow, FlowError, Other, Previous, Stream, assign_boxes,
                     conflicts, flow)
from .diagram import NBSP, figure

__all__ = ["BOXES", "BOX_LABELS", "NBSP", "OTHER", "PENDING", "Flow", "FlowError", "Other", "Previous", "Stream",
           "assign_boxes", "conflicts", "figure", "flow"]
