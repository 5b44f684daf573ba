"""Offline training records and exemptions, approved by a second supervisor, with an audit log."""
