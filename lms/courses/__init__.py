"""Courses and the course menu (选课菜单): courses, lessons, instructors and enrolments."""
