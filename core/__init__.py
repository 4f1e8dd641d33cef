"""Pieces every domain app's API shares: the one error path, the JSON parser, id filters, enqueue after commit.

It imports no domain app (units, reforms, tracker): they import it.
"""
