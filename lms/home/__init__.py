"""Pages that gather many features: each role's home, the language switch, /healthz."""
