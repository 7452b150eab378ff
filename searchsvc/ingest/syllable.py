"""TEMPORARY: searchsvc.search.suggest still imports is_syllable from here.

Delete this file (revert its commit) once suggest imports searchsvc.analysis.phonology.is_syllable.
"""

from searchsvc.analysis.phonology import is_syllable

__all__ = ["is_syllable"]
