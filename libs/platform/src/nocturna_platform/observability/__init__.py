"""Logs, traces and the request context they share."""
