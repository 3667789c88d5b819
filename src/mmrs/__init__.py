"""mmrs: reproducible mixed-methods research synthesis.

The toolkit behind the reproducible manuscript: importers for bibliographic
exports, deduplication, screening agreement, PRISMA flow counts and figure,
quality appraisal, vote counting and thematic synthesis. Each method works on
another review's exports; the notebooks in ``notebooks/`` call it.
"""

__version__ = "0.1.0"
