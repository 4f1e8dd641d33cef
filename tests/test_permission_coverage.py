"""The permission matrices are one spec: every operation of the OpenAPI schema has rows in exactly one of them
(tracker/tests/test_permissions_matrix.py, and the cities' beside their code), and each row says the status of every
persona below, for an object of their own and one of another's (or, for operations on no particular object, once).

Adding an operation, an app or a persona without saying what each role gets fails here.
"""

from tracker.cities.tests import test_permissions_matrix as cities
from tracker.tests import test_permissions_matrix as main

PERSONAS = {
    "anonymous",
    "office",
    "consumer",
    "lead unit staff",
    "other unit staff",
    "co-unit staff",
    "city staff",
    "other city's staff",
    "outsider",
}
MATRICES = {"tracker/tests/test_permissions_matrix.py": main, "tracker/cities/tests/test_permissions_matrix.py": cities}


def test_every_matrix_plays_every_persona():
    for name, matrix in MATRICES.items():
        assert set(matrix.PERSONA_OF) == set(matrix.ROLES), name
        assert set(matrix.PERSONA_OF.values()) == PERSONAS, name


def test_every_schema_operation_has_rows_in_exactly_one_matrix():
    operations = main.schema_operations()
    where = {}
    for name, matrix in MATRICES.items():
        for operation in matrix.MATRIX:
            assert operation not in where, f"{operation} in {where.get(operation)} and {name}"
            where[operation] = name

    assert sorted(operations - set(where)) == [], "operations without rows in a permission matrix"
    assert sorted(set(where) - operations) == [], "rows for operations the schema no longer has"


def test_every_row_says_every_role_for_own_and_other_objects():
    for name, matrix in MATRICES.items():
        for (method, path), (expected, _) in matrix.MATRIX.items():
            assert set(expected) == set(matrix.ROLES), (name, method, path)
            on_an_object = "{" in path
            for role, status in expected.items():
                if on_an_object:
                    # Own and other: (status for the role's own object, status for another's).
                    assert isinstance(status, tuple) and len(status) == 2, (name, method, path, role)
                    assert all(isinstance(s, int) for s in status), (name, method, path, role)
                else:
                    assert isinstance(status, int) or len(status) == 2, (name, method, path, role)
