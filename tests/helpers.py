"""Small readers shared by the tests of every app: what a list endpoint or an admin changelist returned.

Fixtures shared by every app (personas, clients, `postgresql`, `admin_client_for`) live in the root conftest.py.
"""


def ids(response) -> set[int]:
    """The ids of a paginated API list response's rows; the response must be a 200."""
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def listed(response, field: str | None = None):
    """What an admin changelist shows: its row objects in order, or with `field` the set of that field's values."""
    rows = response.context["cl"].result_list
    if field is None:
        return list(rows)
    return {getattr(row, field) for row in rows}
