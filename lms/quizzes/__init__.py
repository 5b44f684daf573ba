"""Quizzes and exams: settings, timed attempts with autosave, grading and results."""
