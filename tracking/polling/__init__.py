"""Polling carriers: claiming due shipments, polling them, and the worker that runs it on a clock."""
