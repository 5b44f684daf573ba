"""Supervisors' dashboards: overview, unit ranking with drill-down, courses, exports, API."""
