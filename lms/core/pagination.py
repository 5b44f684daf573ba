"""Pagination of in-memory lists, shaped like Flask-SQLAlchemy's for the ``pager`` macro."""

import math
from dataclasses import dataclass

from flask import current_app


class PageLinks:
    """The pager macro's view of a page (``page`` and ``pages`` given by the subclass)."""

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass
class ListPage(PageLinks):
    """A page of an in-memory list."""

    items: list
    page: int
    pages: int
    total: int

    @classmethod
    def of(cls, items: list, page: int) -> "ListPage":
        per_page = current_app.config["PAGE_SIZE"]
        pages = max(1, math.ceil(len(items) / per_page))
        page = min(max(1, page or 1), pages)
        start = (page - 1) * per_page
        return cls(items[start : start + per_page], page, pages, len(items))
