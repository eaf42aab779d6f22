"""Cleaning: the raw exports, read as text by :mod:`pipeline.ingest`, become the typed, de-duplicated,
customer-resolved processed tables of the contract, with every raw row accounted for.

:func:`clean` is the whole stage; :mod:`pipeline.processed` writes its result and reads it back.
"""

from pipeline.clean.run import CleanResult, clean

__all__ = ["CleanResult", "clean"]
