"""The quiz JSON API for a mobile client: start or resume an attempt, save answers, submit."""

from flask import Blueprint

bp = Blueprint("quizzes_api", __name__, url_prefix="/api/v1")
