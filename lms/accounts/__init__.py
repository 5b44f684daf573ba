"""Accounts: users, roles, login, passwords and the admin's user pages."""
