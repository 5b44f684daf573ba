"""The admin pages of an editable category list, the same for cadre and content categories.

``register_category_pages(bp, pages)`` adds to a blueprint the list (``categories``), adding
(``new_category``), editing (``edit_category``), deactivating and activating a category; a
``CategoryPages`` says which list, which form, the words of the pages and who may use them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from lms.core.access import role_required
from lms.core.categories import CODE_PATTERN, MAX_CODE, MAX_NAME, CategoryList
from lms.core.errors import LmsError
from lms.core.i18n import current_locale
from lms.core.templating import render_form
from lms.extensions import db


def code_field(description) -> StringField:
    """A category's code, with ``description`` (an example) below it."""
    return StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=MAX_CODE),
            Regexp(CODE_PATTERN, message=_l("Use lowercase letters, digits and underscores only.")),
        ],
        description=description,
    )


class CategoryForm(FlaskForm):
    """Adding or editing a category; a list's own form gives ``code`` its example."""

    code = code_field(None)
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=MAX_NAME)])
    name_en = StringField(_l("English name"), validators=[DataRequired(), Length(max=MAX_NAME)])
    sort_order = IntegerField(
        _l("Order"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=10000)],
        description=_l("Smaller numbers come first."),
    )
    submit = SubmitField(_l("Save"))


def display_name(category) -> str:
    return category.display_name(current_locale())


@dataclass(frozen=True)
class CategoryPages:
    """What the pages of one category list need.

    ``words`` holds the pages' texts: ``title``, ``heading``, ``note``, ``count_label``,
    ``empty`` and, optionally, ``code_help`` (shown under the code on the edit page).
    ``list_section`` is a template included in the list page (with ``list_context()``).
    """

    rules: CategoryList
    form: type[CategoryForm]
    id_arg: str
    roles: tuple
    words: dict
    label: Callable = display_name
    list_section: str | None = None
    list_context: Callable[[], dict] = field(default=dict)


def register_category_pages(bp: Blueprint, pages: CategoryPages) -> None:
    """Add the list, new, edit, deactivate and activate pages of ``pages`` to ``bp``."""
    guard = role_required(*pages.roles)
    back = f"{bp.name}.categories"
    model = pages.rules.model

    def render_list(form):
        page = db.paginate(
            pages.rules.ordered(), per_page=current_app.config["PAGE_SIZE"], error_out=False
        )
        return render_form(
            "core/categories.html",
            form,
            pages=pages,
            page=page,
            counts=pages.rules.usage_counts(c.id for c in page.items),
            blueprint=bp.name,
            **pages.list_context(),
        )

    def category_or_404(ids: dict):
        category = db.session.get(model, ids[pages.id_arg])
        if category is None:
            abort(404)
        return category

    def categories():
        """The categories, with how many rows have each."""
        return render_list(pages.form())

    def new_category():
        """Add a category."""
        form = pages.form()
        if form.validate_on_submit():
            try:
                category = pages.rules.create(
                    form.code.data, form.name_zh.data, form.name_en.data, form.sort_order.data
                )
            except LmsError as exc:
                form.code.errors.append(str(exc))
            else:
                name = pages.label(category)
                flash(_("The category %(name)s has been added.", name=name), "success")
                return redirect(url_for(back))
        return render_list(form)

    def edit_category(**ids):
        """Change a category's code, names or order."""
        category = category_or_404(ids)
        form = pages.form(obj=category)
        if form.validate_on_submit():
            try:
                pages.rules.update(
                    category,
                    form.code.data,
                    form.name_zh.data,
                    form.name_en.data,
                    form.sort_order.data,
                )
            except LmsError as exc:
                form.code.errors.append(str(exc))
            else:
                flash(_("The category has been saved."), "success")
                return redirect(url_for(back))
        return render_form(
            "core/category_edit.html", form, pages=pages, category=category, blueprint=bp.name
        )

    def set_active(ids: dict, active: bool):
        category = category_or_404(ids)
        pages.rules.set_active(category, active)
        name = pages.label(category)
        if active:
            flash(_("The category %(name)s is active again.", name=name), "success")
        else:
            flash(_("The category %(name)s has been deactivated.", name=name), "success")
        return redirect(url_for(back))

    def deactivate_category(**ids):
        """Stop offering a category; the rows that have it keep it."""
        return set_active(ids, False)

    def activate_category(**ids):
        """Offer a deactivated category again."""
        return set_active(ids, True)

    one = f"/categories/<int:{pages.id_arg}>"
    bp.add_url_rule("/categories", view_func=guard(categories))
    bp.add_url_rule("/categories/new", view_func=guard(new_category), methods=["POST"])
    bp.add_url_rule(f"{one}/edit", view_func=guard(edit_category), methods=["GET", "POST"])
    bp.add_url_rule(f"{one}/deactivate", view_func=guard(deactivate_category), methods=["POST"])
    bp.add_url_rule(f"{one}/activate", view_func=guard(activate_category), methods=["POST"])
