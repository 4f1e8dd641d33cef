"""Small readers shared by the tests of every app: what a list endpoint or an admin changelist returned.

Fixtures shared by every app (personas, clients, `postgresql`, `admin_client_for`) live in the root conftest.py.
"""

import datetime
import os
import time

import pytest
from django.db import transaction

from tracker.services import attachment_orphans_purge
from tracker.tasks import attachments_purge_task


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


def assert_purge_removes_rolled_back_upload(add_file, kept) -> None:
    """The orphan purge (tracker's attachments.purge task) removes the file of an upload whose transaction rolled back
    (storage is not transactional) once older than the grace, and keeps `kept`, a committed row's file.

    `add_file()` stores one file through its service and returns the row."""
    stored = []
    with pytest.raises(RuntimeError), transaction.atomic():
        stored.append(add_file().file)
        raise RuntimeError("the request failed after the upload")
    orphan = stored[0]
    past = time.time() - 3 * 3600  # older than the grace (ATTACHMENT_ORPHAN_GRACE, 2 hours)
    for path in (orphan.path, kept.file.path):
        os.utime(path, (past, past))

    assert attachment_orphans_purge(dry_run=True).found == [orphan.name]
    attachments_purge_task.apply()

    assert not os.path.exists(orphan.path)
    assert os.path.exists(kept.file.path)
    assert attachment_orphans_purge(older_than=datetime.timedelta(0)).found == []
