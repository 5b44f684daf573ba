"""The JSON API under /api/v1: bearer tokens, errors as JSON, and the endpoints."""
