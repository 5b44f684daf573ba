"""Cross-cutting pieces: database set-up, access checks, errors, languages and time."""
