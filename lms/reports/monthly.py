"""The monthly report per unit for leadership: printable HTML and a PDF of the same page.

It reads the dashboards' figures (``lms.reports.overview``, ``lms.reports.units``) for the
unit's subtree as of the month's last day: the year so far, the month against the month
before, the sub-units ranked, and how many cadres are behind.
"""

import calendar
from dataclasses import replace
from datetime import date

from flask import Blueprint, abort, render_template, request

from lms.accounts.models import Role
from lms.core import statsyear
from lms.core.access import role_required
from lms.core.pdf import pdf_response
from lms.core.timeutil import local_today
from lms.org.models import Unit
from lms.org.scope import unit_choices, unit_from_args
from lms.plans import rules as plan_rules
from lms.reports import figures, units
from lms.reports.overview import build_overview
from lms.tracking.forecast import Outlook

bp = Blueprint("monthly", __name__, url_prefix="/reports/monthly")


def _month() -> tuple[int, int]:
    """``?month=YYYY-MM`` (default: the month before this one, the usual report)."""
    raw = request.args.get("month", "").strip()
    if raw:
        try:
            year, month = (int(part) for part in raw.split("-"))
            date(year, month, 1)
        except ValueError:
            abort(404)
        if not 2000 <= year <= 2100:
            abort(404)
        return year, month
    today = local_today()
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def build_report(unit: Unit | None, year: int, month: int) -> dict:
    """The report's figures, as of the month's last day (or the statistics cut-off)."""
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    stats_year = statsyear.current_year(last_day)
    context = figures.make_context(stats_year, today=last_day)
    # Only what was credited by the month's end counts: a report read later must not change.
    context = replace(context, window=(context.window[0], min(context.window[1], last_day)))
    scope = figures.Scope.of(unit)
    overview = build_overview(scope, context)
    hours = dict(overview.months)
    this_month = date(year, month, 1)
    previous = plan_rules.add_months(this_month, -1)
    return {
        "unit": unit,
        "month": this_month,
        "stats_year": stats_year,
        "context": context,
        "overview": overview,
        "month_hours": hours.get(this_month, 0.0),
        "previous_hours": hours.get(previous),
        "behind": overview.outlooks.get(Outlook.BEHIND.value, 0),
        "at_risk": overview.outlooks.get(Outlook.AT_RISK.value, 0),
        "ranking": units.unit_ranking(unit, scope, context) if unit else [],
    }


@bp.route("/")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def show():
    """The month's report for a unit's subtree, ready to print."""
    year, month = _month()
    report = build_report(unit_from_args(), year, month)
    return render_template(
        "reports/monthly.html",
        report=report,
        unit_choices=unit_choices(),
        printing=False,
    )


@bp.route("/report.pdf")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def pdf():
    """The same report as a PDF."""
    year, month = _month()
    report = build_report(unit_from_args(), year, month)
    html = render_template("reports/monthly_pdf.html", report=report, printing=True)
    return pdf_response(html, f"monthly-report-{year}-{month:02d}")
