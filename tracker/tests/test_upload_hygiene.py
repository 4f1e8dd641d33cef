"""Upload hygiene: PDFs that run code are refused, storage per report and per unit is bounded, and files left by
uploads that never committed are removed by the command and the nightly task."""

import datetime
import os
import time

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from tracker import services
from tracker.models import Attachment
from tracker.tasks import attachments_purge_task

from . import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(reporter, reform_a, make_report):
    return make_report(reporter, reform_a)


def attachments_url(report) -> str:
    return reverse("tracker-api:report-attachment-list", kwargs={"report_id": report.pk})


# --- PDFs with active content -------------------------------------------------------------------------------------

ACTIVE = "PDF files with embedded JavaScript or launch actions are not accepted."


@pytest.mark.parametrize(
    "content",
    [
        samples.pdf_with(b"<</S/JavaScript/JS(app.alert(1))>>"),
        # The same name written with #xx escapes, as malware does to dodge byte searches.
        samples.pdf_with(b"<</S/J#61vaScript/J#53 (app.alert(1))>>"),
        samples.pdf_with(b"<</S/Launch/F(cmd.exe)>>"),
        # The action dictionary inside a Flate-compressed object stream, where a byte search on the file sees nothing.
        samples.pdf_with(samples.pdf_object_stream(b"3 0 <</S/JavaScript/JS(app.alert(1))>>")),
        # Additional actions (/AA) of a page running JavaScript.
        samples.pdf_with(b"<</Type/Page/AA<</O<</S/JavaScript/JS 4 0 R>>>>>>"),
    ],
    ids=["open-action-js", "escaped-names", "launch", "in-object-stream", "page-additional-action"],
)
def test_pdfs_with_javascript_or_launch_actions_are_refused_and_nothing_is_stored(reporter, draft, content):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.attachment_add(report=draft, user=reporter, file=samples.upload("通知.pdf", content))

    assert ACTIVE in " ".join(exc.value.message_dict["file"])
    assert not Attachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "tracker").exists()


def test_a_pdf_with_a_harmless_open_action_and_object_streams_is_accepted(reporter, draft):
    # Opening at page 1, fit to width: the /OpenAction most office PDFs carry.
    content = samples.pdf_with(
        b"[2 0 R/FitH 0]", samples.pdf_object_stream(b"5 0 <</Type/Font/Subtype/Type1/BaseFont/SimSun>>")
    )

    attachment = services.attachment_add(report=draft, user=reporter, file=samples.upload("通知.pdf", content))

    assert attachment.content_type == "application/pdf"


def test_an_encrypted_pdf_with_object_streams_is_refused_as_uncheckable(reporter, draft):
    content = samples.pdf_with(
        b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length 5>>stream\n\x8a\x01\xff\x00\x13\nendstream",
        trailer=b"/Encrypt 9 0 R",
    )

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.attachment_add(report=draft, user=reporter, file=samples.upload("加密.pdf", content))

    assert "Encrypted PDF files cannot be checked." in " ".join(exc.value.message_dict["file"])


def test_a_javascript_pdf_answers_400_in_chinese_through_the_api(client_for, reporter, draft):
    content = samples.pdf_with(b"<</S/JavaScript/JS(app.alert(1))>>")

    response = client_for(reporter).post(attachments_url(draft), {"file": samples.upload("通知.pdf", content)})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "file": ["不接受嵌入 JavaScript 或启动操作的 PDF 文件。请将文档重新打印为 PDF 后上传。"]
    }
    assert not Attachment.objects.exists()


# --- storage bounds -----------------------------------------------------------------------------------------------


def test_a_report_cannot_store_more_than_its_allowance(reporter, draft, settings):
    png = samples.png()
    settings.ATTACHMENT_MAX_BYTES_PER_REPORT = 2 * len(png)
    services.attachment_add(report=draft, user=reporter, file=samples.upload("1.png", png))
    services.attachment_add(report=draft, user=reporter, file=samples.upload("2.png", png))

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.attachment_add(report=draft, user=reporter, file=samples.upload("3.png", png))

    assert "A report's attachments may take at most" in exc.value.message_dict["file"][0]
    assert Attachment.objects.count() == 2
    assert len(os.listdir(settings.MEDIA_ROOT / "tracker" / "reports" / str(draft.pk))) == 2


def test_a_unit_cannot_store_more_than_its_allowance_across_its_reports(
    client_for, reporter, draft, reform_a, make_report, settings
):
    from .factories import ReportingPeriodFactory

    png = samples.png()
    settings.ATTACHMENT_MAX_BYTES_PER_UNIT = len(png) + 10
    other = make_report(reporter, reform_a, period=ReportingPeriodFactory(batch=draft.period.batch))
    services.attachment_add(report=draft, user=reporter, file=samples.upload("1.png", png))

    response = client_for(reporter).post(attachments_url(other), {"file": samples.upload("2.png", png)})

    assert response.status_code == 400
    assert response.json()["errors"]["file"][0].startswith("本单位的附件总量不能超过")
    assert Attachment.objects.count() == 1


# --- orphaned files -----------------------------------------------------------------------------------------------


def _age(path, hours: float) -> None:
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def _rolled_back_upload(draft, reporter) -> str:
    """An upload whose file was written and whose transaction then rolled back (a later step of the request failed)."""
    stored = []
    with pytest.raises(RuntimeError), transaction.atomic():
        upload = samples.upload("通知.pdf", samples.pdf())
        attachment = services.attachment_add(report=draft, user=reporter, file=upload)
        stored.append(attachment.file.path)
        raise RuntimeError("the request failed after the upload")
    return stored[0]


def test_the_command_removes_files_of_uploads_that_rolled_back_and_keeps_the_rest(reporter, draft, capsys):
    orphan = _rolled_back_upload(draft, reporter)
    kept = services.attachment_add(report=draft, user=reporter, file=samples.upload("留.pdf", samples.pdf()))
    young = _rolled_back_upload(draft, reporter)
    _age(orphan, 3)
    _age(kept.file.path, 3)
    assert not Attachment.objects.filter(file__endswith=os.path.basename(orphan)).exists()
    assert os.path.exists(orphan)  # storage is not transactional: the rollback left it

    call_command("attachments_purge", "--dry-run")
    assert os.path.exists(orphan)
    call_command("attachments_purge")

    assert not os.path.exists(orphan)
    assert os.path.exists(kept.file.path)
    assert os.path.exists(young)  # younger than the grace: may be an upload in flight
    assert capsys.readouterr().out.strip().endswith("1 orphaned files, removed 1")


def test_the_nightly_task_removes_orphans_and_is_on_the_beat_schedule(reporter, draft, settings):
    orphan = _rolled_back_upload(draft, reporter)
    _age(orphan, 3)

    attachments_purge_task.apply()

    assert not os.path.exists(orphan)
    entry = settings.CELERY_BEAT_SCHEDULE["attachments-purge"]
    assert entry["task"] == attachments_purge_task.name


def test_the_grace_can_be_given_on_the_command_line(reporter, draft):
    orphan = _rolled_back_upload(draft, reporter)

    call_command("attachments_purge", "--hours", "0")

    assert not os.path.exists(orphan)
    assert services.attachment_orphans_purge(older_than=datetime.timedelta(0)).found == []
