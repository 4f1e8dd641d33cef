"""The nightly orphan purge (tracker's attachments.purge) also sweeps the contributions' evidence folder."""

import pytest

from tests.helpers import assert_purge_removes_rolled_back_upload
from tracker.tests import samples

from .. import services

pytestmark = pytest.mark.django_db


def test_the_purge_removes_a_rolled_back_contribution_file_and_keeps_the_committed_one(
    make_contribution, other_reporter
):
    contribution = make_contribution()

    def add(name="丢.pdf"):
        upload = samples.upload(name, samples.pdf())
        return services.contribution_attachment_add(contribution=contribution, user=other_reporter, file=upload)

    assert_purge_removes_rolled_back_upload(add, kept=add("留.pdf"))
