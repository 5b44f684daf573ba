"""Editable category lists (cadre categories, content categories): their columns and rules.

Each list is a model with ``CategoryListMixin`` and one ``CategoryList`` that holds its rules
(codes, names, the standard entries, how many rows use each); ``lms.core.category_admin``
gives both the same admin pages.
"""

import re

from flask_babel import gettext as _
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db

CODE_PATTERN = re.compile(r"^[a-z0-9_]+$")
MAX_CODE = 40
MAX_NAME = 100


class CategoryListMixin:
    """A code, a Chinese and an English name, an order and an active flag; admins edit them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(MAX_CODE), unique=True)
    name_zh: Mapped[str] = mapped_column(String(MAX_NAME))
    name_en: Mapped[str] = mapped_column(String(MAX_NAME))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    def display_name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en


class CategoryList:
    """The rules of one category list.

    ``model`` has ``CategoryListMixin``; ``error`` is the feature's ``LmsError`` the rules
    raise; ``defaults`` are the standard ``(code, name_zh, name_en)`` entries in their order;
    ``used_by`` is the foreign-key column that counts the rows having each category;
    ``unique_names`` refuses a name another category has (when names are looked up too).
    """

    def __init__(self, model, error, *, defaults, used_by, unique_names: bool = False):
        self.model = model
        self.error = error
        self.defaults = defaults
        self.used_by = used_by
        self.unique_names = unique_names

    def ordered(self, active_only: bool = False):
        """The select of the list in display order (only the active ones if asked)."""
        query = select(self.model).order_by(self.model.sort_order, self.model.id)
        if active_only:
            query = query.where(self.model.is_active.is_(True))
        return query

    def active(self) -> list:
        return list(db.session.scalars(self.ordered(active_only=True)))

    def ensure_defaults(self) -> None:
        """Create the standard categories that are missing (idempotent)."""
        existing = set(db.session.scalars(select(self.model.code)))
        for order, (code, zh, en) in enumerate(self.defaults):
            if code not in existing:
                db.session.add(self.model(code=code, name_zh=zh, name_en=en, sort_order=order))
        db.session.flush()

    def missing_defaults(self) -> list[str]:
        """The codes of the standard categories that are not in the list."""
        existing = set(db.session.scalars(select(self.model.code)))
        return [code for code, _zh, _en in self.defaults if code not in existing]

    def _check(self, category, code: str, name_zh: str, name_en: str) -> tuple[str, str, str]:
        code, name_zh, name_en = ((value or "").strip() for value in (code, name_zh, name_en))
        if not CODE_PATTERN.match(code) or len(code) > MAX_CODE:
            raise self.error(
                _(
                    "A category code uses lowercase letters, digits and underscores only "
                    "(at most %(count)d characters).",
                    count=MAX_CODE,
                )
            )
        if not name_zh or not name_en:
            raise self.error(_("A category needs a Chinese and an English name."))
        if max(len(name_zh), len(name_en)) > MAX_NAME:
            raise self.error(
                _("A category name can have at most %(count)d characters.", count=MAX_NAME)
            )
        model = self.model
        others = select(model.id)
        if category is not None and category.id is not None:
            others = others.where(model.id != category.id)
        if db.session.scalar(others.where(model.code == code)):
            raise self.error(_("The category code %(code)s is already in use.", code=code))
        if self.unique_names and db.session.scalar(
            others.where(
                (model.name_zh == name_zh) | (func.lower(model.name_en) == name_en.lower())
            )
        ):
            raise self.error(_("Another category already has this name."))
        return code, name_zh, name_en

    def create(self, code: str, name_zh: str, name_en: str, sort_order: int = 0):
        """Add a category; the code is unique, lowercase letters, digits and underscores."""
        code, name_zh, name_en = self._check(None, code, name_zh, name_en)
        category = self.model(code=code, name_zh=name_zh, name_en=name_en, sort_order=sort_order)
        db.session.add(category)
        db.session.flush()
        return category

    def update(self, category, code: str, name_zh: str, name_en: str, sort_order: int) -> None:
        """Change a category's code, names or order (the same rules as creating one)."""
        code, name_zh, name_en = self._check(category, code, name_zh, name_en)
        category.code, category.name_zh, category.name_en = code, name_zh, name_en
        category.sort_order = sort_order
        db.session.flush()

    def set_active(self, category, active: bool) -> None:
        """(De)activate a category: categories in use are never deleted, only deactivated."""
        category.is_active = active
        db.session.flush()

    def usage_counts(self, category_ids) -> dict[int, int]:
        """How many rows (active or not) have each of these categories; one query."""
        rows = db.session.execute(
            select(self.used_by, func.count())
            .where(self.used_by.in_(list(category_ids)))
            .group_by(self.used_by)
        )
        return dict(rows.all())
