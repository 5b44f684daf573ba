"""The credit-system assessment (学分制): formula, runs stored as snapshots, explained results."""
