"""The one paginator besides ``db.paginate``: a page of an in-memory list or of a
multi-column select, shaped like Flask-SQLAlchemy's pagination for the ``pager`` macro."""

import math
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from lms.extensions import db


@dataclass
class Page:
    """One page of items. There is always at least one page: an empty result is page 1 of 1,
    and a page number past the end shows the last page."""

    items: list
    page: int
    pages: int
    total: int

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

    @staticmethod
    def _bounds(total: int, page: int | None, per_page: int) -> tuple[int, int]:
        """(page, pages): the page asked for, kept within 1 and the last page."""
        pages = max(1, math.ceil(total / per_page))
        return min(max(1, page or 1), pages), pages

    @classmethod
    def of(cls, items: list, page: int | None, per_page: int | None = None) -> "Page":
        """A page of an in-memory list (``PAGE_SIZE`` items unless told)."""
        per_page = per_page or current_app.config["PAGE_SIZE"]
        page, pages = cls._bounds(len(items), page, per_page)
        start = (page - 1) * per_page
        return cls(items[start : start + per_page], page, pages, len(items))

    @classmethod
    def of_select(
        cls,
        query,
        page: int | None,
        per_page: int | None = None,
        read: Callable | None = None,
    ) -> "Page":
        """A page of a select of several columns (``db.paginate`` keeps only the first): one
        count and one LIMIT/OFFSET query. ``read`` turns the page's query into its items
        (by default the result rows)."""
        per_page = per_page or current_app.config["PAGE_SIZE"]
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        page, pages = cls._bounds(total or 0, page, per_page)
        limited = query.limit(per_page).offset((page - 1) * per_page)
        items = read(limited) if read else db.session.execute(limited).unique().all()
        return cls(items, page, pages, total or 0)
