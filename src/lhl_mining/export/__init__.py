"""Exports (REFI-QDA, spreadsheets, kommune summary) and the HTML report."""
