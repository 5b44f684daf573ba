"""The learning archive (学习档案): a cadre's training record across all years, and its PDF."""
