"""Domain errors of the compensation estimate; the edge (CLI, chat, web) turns them into messages or 4xx."""

from __future__ import annotations


class InputError(ValueError):
    """The resident's input cannot be used; `str(error)` is a plain simplified-Chinese message for the resident.

    `field` names the answer it is about (a name of bot.compensation.fields.FIELDS) when one is to blame: the page
    shows the message next to that input, the chat asks that question again."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ParamsError(ValueError):
    """The county parameter file is invalid; the message names the field (for the staff who edit the file)."""
