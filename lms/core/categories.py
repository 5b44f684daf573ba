"""Editable category lists (cadre categories, content categories): their shared columns."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column


class CategoryListMixin:
    """A code, a Chinese and an English name, an order and an active flag; admins edit them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    def display_name(self, locale: str) -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en
