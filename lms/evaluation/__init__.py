"""Course evaluation: versioned questionnaires, anonymous answers, results and a health score."""
