"""Units (a tree of any depth), cadre categories and cadre records."""

from datetime import date

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.core.categories import CategoryListMixin
from lms.core.personnel import clean_personnel_number, personnel_key
from lms.extensions import db

PATH_SEPARATOR = "/"


class Unit(db.Model):
    """A unit in the tree; ``tree_path`` ("/1/4/9/") makes a subtree one indexed prefix scan."""

    __tablename__ = "unit"
    # Subtree queries are ``tree_path LIKE '/1/4/%'``: PostgreSQL needs the pattern
    # operator class to use an index for that (SQLite uses the plain index because the
    # connection sets case_sensitive_like).
    __table_args__ = (
        Index(
            "ix_unit_tree_path", "tree_path", postgresql_ops={"tree_path": "varchar_pattern_ops"}
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Materialized paths, kept in step by ``lms.org.tree`` whenever a unit is
    # created, renamed or moved: ids for subtree queries, names for display and import.
    tree_path: Mapped[str] = mapped_column(String(400))
    name_path: Mapped[str] = mapped_column(String(1000), unique=True)
    depth: Mapped[int] = mapped_column(default=0)

    parent = relationship("Unit", remote_side=[id], back_populates="children")
    children = relationship("Unit", back_populates="parent", order_by="Unit.name")

    @classmethod
    def subtree_clause(cls, root: "Unit | str", column=None):
        """SQL: ``column`` (a tree path, ``Unit.tree_path`` by default) is ``root`` or below it.

        The one way to write the subtree condition; ``root`` is a unit or a tree path. A
        prefix match that the ``ix_unit_tree_path`` index serves on both databases.
        """
        path = root if isinstance(root, str) else root.tree_path
        return (cls.tree_path if column is None else column).like(path + "%")

    def is_within(self, other: "Unit") -> bool:
        """True when this unit is ``other`` or below it."""
        return self.tree_path.startswith(other.tree_path)

    def __repr__(self) -> str:
        return f"<Unit {self.name_path}>"


class CadreCategory(CategoryListMixin, db.Model):
    """A cadre category (干部类别); the list is data that admins edit."""

    __tablename__ = "cadre_category"


def _key_of_insert(context) -> str:
    """The normal form for a Core ``insert(Cadre)`` that names only the number (bulk inserts
    in benchmarks and tests); the ORM sets it with the number (``Cadre._normalize_number``)."""
    return personnel_key(context.get_current_parameters().get("personnel_number"))


class Cadre(db.Model):
    """The learner's personnel record, one-to-one with the user account; unit is the user's."""

    __tablename__ = "cadre"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    personnel_number: Mapped[str] = mapped_column(String(40), unique=True)
    # The number's normal form (lms.core.personnel), set with it: every lookup compares
    # this, and its unique index makes a case or width variant a second cadre nowhere.
    # Case folding may lengthen a number ("ß" -> "ss"), hence twice the length.
    personnel_key: Mapped[str] = mapped_column(
        String(80), unique=True, index=True, default=lambda context: _key_of_insert(context)
    )
    category_id: Mapped[int | None] = mapped_column(ForeignKey("cadre_category.id"), index=True)
    rank: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column()
    is_reserve: Mapped[bool] = mapped_column(default=False)
    last_promoted_on: Mapped[date | None] = mapped_column()
    is_key_position: Mapped[bool] = mapped_column(default=False)

    user = relationship("User", back_populates="cadre", lazy="joined")
    category = relationship("CadreCategory", lazy="joined")

    @validates("personnel_number")
    def _normalize_number(self, _key, value):
        """Store the number cleaned (NFKC, no spaces) and its normal form beside it."""
        cleaned = clean_personnel_number(value) if value is not None else None
        self.personnel_key = personnel_key(cleaned) if cleaned is not None else None
        return cleaned

    @classmethod
    def key_matches(cls, number: str):
        """SQL: this cadre's number is ``number`` in the normal form (an indexed equality)."""
        return cls.personnel_key == personnel_key(number)
