"""Pieces every domain app shares: the one error path, the JSON parser, id filters, pagination and the `ordering`
schema, the table reader of the imports, enqueue after commit.

It imports no domain app (units, reforms, tracker): they import it.
"""
