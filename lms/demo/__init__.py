"""The demo data set: a unit tree, demo users and cadres (and, later, courses)."""
