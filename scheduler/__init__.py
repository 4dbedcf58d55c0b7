"""Scheduled jobs: reminders, digests and overdue checks, derived from config and the database."""
