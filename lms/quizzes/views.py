"""Quiz pages: settings for instructors, taking an attempt, results and item analysis."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")
