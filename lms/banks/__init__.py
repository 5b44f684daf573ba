"""Question banks: questions and options that instructors write, import and export."""
