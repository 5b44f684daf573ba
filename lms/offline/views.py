"""Offline training and exemption pages: record, approve, audit log."""

from flask import Blueprint

bp = Blueprint("offline", __name__, url_prefix="/offline")
