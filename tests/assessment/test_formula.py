"""The formula: plain words for everyone, versions saved by admins only."""

from sqlalchemy import func, select

from lms.assessment.models import AssessmentFormula

FIGURES = {
    "online_weight": "50",
    "required_weight": "20",
    "offline_weight": "10",
    "quiz_weight": "20",
    "excellent_from": "85",
    "competent_from": "70",
    "basic_from": "60",
    "quota_unmet_fails": "y",
}


def test_everyone_reads_the_formula_in_plain_words(app, client, login, make_user):
    login(make_user("wang"))
    page = client.get("/assessment/formula").get_data(as_text=True)
    assert "Online hours against the year&#39;s quota earn up to 60.0 points" in page
    assert "Excellent from 90.0 points" in page
    assert "Change the formula" not in page
    assert db_count() == 0  # reading stores nothing


def test_an_admin_saves_a_new_version(app, client, login, post, make_user):
    login(make_user("root", roles=["admin"]))
    response = post("/assessment/formula", FIGURES, "/assessment/formula")
    assert response.status_code == 302
    page = client.get("/assessment/formula").get_data(as_text=True)
    assert "Formula version 2." in page and "Excellent from 85.0 points" in page
    # The defaults were stored as version 1 first, so older runs can refer to them.
    assert db_count() == 2


def test_bad_thresholds_are_refused_and_nothing_is_saved(app, client, login, post, make_user):
    login(make_user("root", roles=["admin"]))
    response = post("/assessment/formula", FIGURES | {"basic_from": "95"}, "/assessment/formula")
    assert response.status_code == 400
    assert "The thresholds must not increase" in response.get_data(as_text=True)
    assert db_count() == 0


def test_only_admins_change_it(app, client, login, post, make_user):
    login(make_user("boss", roles=["supervisor"]))
    assert post("/assessment/formula", FIGURES, "/assessment/formula").status_code == 403
    assert db_count() == 0


def db_count():
    from lms.extensions import db

    return db.session.scalar(select(func.count(AssessmentFormula.id)))
