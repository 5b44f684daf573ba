"""Training years, quota rules with their audiences, and assignments of courses and exams."""
