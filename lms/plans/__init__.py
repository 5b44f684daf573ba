"""The annual plan: training years, quota rules by audience, priority groups, assignments."""
