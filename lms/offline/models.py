"""Offline training records, exemptions, and the audit log of their changes."""
