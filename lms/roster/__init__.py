"""Roster import: cadres and units from a CSV or XLSX file, previewed, then applied at once."""
