"""Domain errors of the compensation estimate; the edge (CLI, chat, web) turns them into messages or 4xx."""

from __future__ import annotations


class InputError(ValueError):
    """The resident's input cannot be used; `str(error)` is a plain simplified-Chinese message for the resident."""


class ParamsError(ValueError):
    """The county parameter file is invalid; the message names the field (for the staff who edit the file)."""
