"""Demo teachers: one in each status, with the changes that brought them there."""

from datetime import date, timedelta

from sqlalchemy import select

from lms.accounts.services import find_user
from lms.extensions import db
from lms.faculty.models import Teacher
from lms.faculty.services import change_status, create_teacher

# name, kind, title, organization, subjects, linked username, [(status, days later, reason)]
DEMO_TEACHERS = (
    (
        "陈老师",
        "internal",
        "副教授",
        "区委党校",
        "党史，党性教育",
        "instructor",
        [
            ("probation", 30, "试讲《党史专题》"),
            ("selected", 60, "试讲评价 4.6 分，入选本周期师资"),
        ],
    ),
    (
        "刘教授",
        "invited",
        "教授",
        "西北大学",
        "乡村振兴，基层治理",
        None,
        [("probation", 45, "邀请试讲《乡村振兴案例》")],
    ),
    ("赵老师", "internal", "讲师", "区财政局", "预算管理", None, []),
    (
        "孙老师",
        "invited",
        "教授",
        "市委党校",
        "法治政府",
        None,
        [
            ("probation", 20, "试讲《依法行政》"),
            ("selected", 50, "试讲评价良好"),
            ("retired", 200, "退休，不再承担授课任务"),
        ],
    ),
)


def seed_teachers(today: date) -> int:
    """Add the demo teachers that are missing; returns how many are new."""
    admin = find_user("admin")
    added = 0
    for name, kind, title, organization, subjects, username, moves in DEMO_TEACHERS:
        if db.session.scalar(select(Teacher.id).where(Teacher.name == name)) is not None:
            continue
        account = find_user(username) if username else None
        start = today - timedelta(days=365)
        teacher = create_teacher(
            admin,
            {
                "name": name,
                "kind": kind,
                "title": title,
                "organization": organization,
                "subjects": subjects,
                "user_id": account.id if account else None,
                "reason": "建立师资库",
            },
            start,
        )
        for status, days, reason in moves:
            change_status(admin, teacher, status, start + timedelta(days=days), reason)
        added += 1
    return added
