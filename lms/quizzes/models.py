"""Quizzes and exams, their questions drawn per attempt, attempts, answers and results."""
