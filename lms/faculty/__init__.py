"""The teacher library (师资库): internal and invited teachers, their status and its history."""
