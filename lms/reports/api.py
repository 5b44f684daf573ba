"""The reports API: every unit in the caller's scope with its subtree's figures for a year."""

from flask import Blueprint, jsonify
from flask_login import current_user

from lms.core import statsyear
from lms.core.access import protect_cookie_writes, role_required
from lms.core.inputs import query_int
from lms.core.openapi import ERROR, array, documented, obj
from lms.reports import figures
from lms.reports import units as unit_figures
from lms.reports.filters import STAFF

api_bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")
api_bp.before_request(protect_cookie_writes())


UNITS = obj(
    ["year", "units"],
    year={"type": "integer"},
    units=array(
        obj(
            ["id", "name", "path", "cadre_count", "participation_rate", "credited_hours"],
            id={"type": "integer"},
            name={"type": "string"},
            path={"type": "string"},
            cadre_count={"type": "integer"},
            participation_rate={"type": "number"},
            credited_hours={"type": "number"},
            meeting_quota={"type": ["integer", "null"]},
        )
    ),
)


@api_bp.route("/units")
@documented(
    responses={200: UNITS, 403: ERROR},
    query={"year": {"type": "integer", "minimum": 2000, "maximum": 2100}},
)
@role_required(*STAFF)
def api_units():
    """Every unit in the caller's scope with its subtree's figures for a year."""
    year = query_int("year", statsyear.current_year(), minimum=2000, maximum=2100)
    if not current_user.is_admin and current_user.unit is None:
        return jsonify({"year": year, "units": []})
    root = None if current_user.is_admin else current_user.unit
    lines = unit_figures.units_in_scope(root, figures.make_context(year))
    return jsonify(
        {
            "year": year,
            "units": [
                {
                    "id": u.id,
                    "name": u.name,
                    "path": u.path,
                    "cadre_count": u.cadre_count,
                    "participation_rate": round(u.participation_rate or 0.0, 4),
                    "credited_hours": round(u.credited_hours, 1),
                    "meeting_quota": u.meeting_quota,
                }
                for u in lines
            ],
        }
    )
