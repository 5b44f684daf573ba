"""Study-hour tracking: what a cadre really played, credited by the server."""
