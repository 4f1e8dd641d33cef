"""Evidence files: what is accepted, what is refused (by content, not by name), and who may download them."""

import hashlib
import os

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tracker import services
from tracker.choices import ReportState
from tracker.exceptions import ReportStateConflict
from tracker.models import Attachment
from tracker.uploads import MAX_UPLOAD_BYTES

from . import samples
from .factories import ReportingPeriodFactory

pytestmark = pytest.mark.django_db


def attachments_url(report) -> str:
    return reverse("tracker-api:report-attachment-list", kwargs={"report_id": report.pk})


def attachment_url(attachment, name="detail") -> str:
    return reverse(
        f"tracker-api:report-attachment-{name}", kwargs={"report_id": attachment.report_id, "pk": attachment.pk}
    )


@pytest.fixture
def draft(reporter, reform_a, make_report):
    return make_report(reporter, reform_a)


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("通知.pdf", samples.pdf(), "application/pdf"),
        ("现场.png", samples.png(), "image/png"),
        ("现场.JPG", samples.jpeg(), "image/jpeg"),
        ("现场.jpeg", samples.jpeg(), "image/jpeg"),
        ("方案.docx", samples.docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("台账.xlsx", samples.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("旧方案.doc", samples.ole("WordDocument"), "application/msword"),
        ("金山文字.wps", samples.ole("WordDocument"), "application/msword"),
        ("旧台账.xls", samples.ole("Workbook"), "application/vnd.ms-excel"),
        ("汇报.ppt", samples.ole("PowerPoint Document"), "application/vnd.ms-powerpoint"),
    ],
)
def test_accepted_kinds_are_stored_with_their_detected_type_size_and_hash(reporter, draft, name, content, mime):
    attachment = services.attachment_add(report=draft, user=reporter, file=samples.upload(name, content, "text/plain"))

    assert (attachment.original_name, attachment.content_type, attachment.size) == (name, mime, len(content))
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    stored = attachment.file.path
    assert stored.startswith(str(settings.MEDIA_ROOT))
    assert name not in stored  # random names on disk
    with open(stored, "rb") as handle:
        assert handle.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("报告.pdf", samples.exe(), "This kind of file is not accepted."),
        ("报告.pdf", samples.html(), "This kind of file is not accepted."),
        ("报告.pdf", b"just some text, no magic", "This kind of file is not accepted."),
        ("报告.pdf", samples.png(), "The file's content (PNG) does not match its name ending in .pdf."),
        ("报告.docx", samples.xlsx(), "The file's content (Excel) does not match its name ending in .docx."),
        ("报告.docx", samples.plain_zip(), "This kind of file is not accepted."),
        ("安装.doc", samples.ole("SummaryInformation"), "This kind of file is not accepted."),
        ("报告.xls", samples.ole("WordDocument"), "does not match its name ending in .xls."),
        ("宏.doc", samples.ole("WordDocument", storage="Macros"), "Documents with macros are not accepted."),
        ("宏.docx", samples.ooxml("word/document.xml", "word/vbaProject.bin"), "Documents with macros"),
        ("setup.exe", samples.exe(), "This kind of file is not accepted."),
        ("page.html", samples.html(), "This kind of file is not accepted."),
        ("无扩展名", samples.pdf(), "This kind of file is not accepted."),
        ("空.pdf", b"", "The file is empty."),
    ],
)
def test_disguised_or_wrong_files_are_refused_and_nothing_is_stored(reporter, draft, name, content, message):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.attachment_add(report=draft, user=reporter, file=samples.upload(name, content, "application/pdf"))

    assert message in " ".join(exc.value.message_dict["file"])
    assert not Attachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "tracker").exists()


def test_a_file_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not(reporter, draft):
    at_limit = samples.pdf().ljust(MAX_UPLOAD_BYTES, b" ")

    services.attachment_add(report=draft, user=reporter, file=samples.upload("大.pdf", at_limit))
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.attachment_add(report=draft, user=reporter, file=samples.upload("更大.pdf", at_limit + b" "))

    assert exc.value.message_dict["file"] == ["A file may be at most 20 MB."]
    assert Attachment.objects.count() == 1


def test_a_report_takes_at_most_30_attachments(reporter, draft):
    for number in range(services.MAX_ATTACHMENTS_PER_REPORT):
        services.attachment_add(report=draft, user=reporter, file=samples.upload(f"{number}.png", samples.png()))

    with pytest.raises(ValidationError):
        services.attachment_add(report=draft, user=reporter, file=samples.upload("31.png", samples.png()))

    assert Attachment.objects.count() == services.MAX_ATTACHMENTS_PER_REPORT


def test_attachments_of_a_submitted_report_cannot_be_added_or_removed(reporter, draft):
    attachment = services.attachment_add(report=draft, user=reporter, file=samples.upload("a.pdf", samples.pdf()))
    services.report_submit(report=draft, user=reporter)

    with pytest.raises(ReportStateConflict):
        services.attachment_add(report=draft, user=reporter, file=samples.upload("b.pdf", samples.pdf()))
    with pytest.raises(ReportStateConflict):
        services.attachment_delete(attachment=attachment, user=reporter)

    assert Attachment.objects.count() == 1


def test_the_submitted_snapshot_lists_the_attachments(reporter, draft):
    attachment = services.attachment_add(report=draft, user=reporter, file=samples.upload("a.pdf", samples.pdf()))

    report = services.report_submit(report=draft, user=reporter)

    assert report.revisions.get().data["attachments"] == [
        {"id": attachment.pk, "name": "a.pdf", "size": attachment.size, "sha256": attachment.sha256}
    ]


def test_a_path_in_the_uploaded_name_is_dropped(reporter, draft):
    attachment = services.attachment_add(
        report=draft, user=reporter, file=samples.upload("..\\..\\etc\\通知.pdf", samples.pdf())
    )

    assert attachment.original_name == "通知.pdf"


# --- API ------------------------------------------------------------------------------------------------------------


def test_a_reporter_uploads_lists_and_deletes_through_the_api(
    client_for, reporter, draft, django_capture_on_commit_callbacks
):
    client = client_for(reporter)

    created = client.post(attachments_url(draft), {"file": samples.upload("通知.pdf", samples.pdf())})
    assert created.status_code == 201, created.json()
    listed = client.get(attachments_url(draft))
    attachment = Attachment.objects.get()
    stored = attachment.file.path
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.delete(attachment_url(attachment))

    assert listed.json()["results"][0]["original_name"] == "通知.pdf"
    assert deleted.status_code == 204
    assert not Attachment.objects.exists()
    assert not os.path.exists(stored)  # removed once the deletion committed


def test_a_disguised_upload_answers_400_with_the_reason_in_chinese(client_for, reporter, draft):
    response = client_for(reporter).post(attachments_url(draft), {"file": samples.upload("报告.pdf", samples.exe())})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]
    assert not Attachment.objects.exists()


def test_an_oversize_upload_answers_400_before_it_is_read(client_for, reporter, draft):
    big = samples.pdf().ljust(MAX_UPLOAD_BYTES + 100 * 1024, b" ")

    response = client_for(reporter).post(
        attachments_url(draft), {"file": samples.upload("大.pdf", big)}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"file": ["A file may be at most 20 MB."]}
    assert not Attachment.objects.exists()


def test_a_request_without_a_file_answers_400(client_for, reporter, draft):
    response = client_for(reporter).post(attachments_url(draft), {})

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_download_sends_the_file_as_an_attachment_that_a_browser_will_not_render(client_for, reporter, office, draft):
    attachment = services.attachment_add(report=draft, user=reporter, file=samples.upload("通知 1.pdf", samples.pdf()))

    response = client_for(office).get(attachment_url(attachment, "download"), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E9%80%9A%E7%9F%A5%201.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_only_those_who_may_see_the_report_download_its_files(
    client_for, reporter, manager, other_reporter, office, consumer, reform_a, make_report
):
    draft = make_report(reporter, reform_a)
    in_draft = services.attachment_add(report=draft, user=reporter, file=samples.upload("a.pdf", samples.pdf()))

    expected = {reporter: 200, manager: 200, office: 200, other_reporter: 404, consumer: 404, None: 403}
    seen = {user: client_for(user).get(attachment_url(in_draft, "download")).status_code for user in expected}

    assert seen == expected


def test_a_consumer_downloads_the_files_of_approved_reports(client_for, reporter, office, consumer, draft):
    attachment = services.attachment_add(report=draft, user=reporter, file=samples.upload("a.pdf", samples.pdf()))
    report = services.report_submit(report=draft, user=reporter)
    services.report_approve(report=report, user=office)

    assert client_for(consumer).get(attachment_url(attachment, "download")).status_code == 200


def test_an_attachment_id_of_another_report_answers_404(client_for, reporter, reform_a, make_report, period):
    first = make_report(reporter, reform_a)
    second = make_report(reporter, reform_a, period=ReportingPeriodFactory(batch=period.batch))
    attachment = services.attachment_add(report=first, user=reporter, file=samples.upload("a.pdf", samples.pdf()))
    wrong = reverse("tracker-api:report-attachment-download", kwargs={"report_id": second.pk, "pk": attachment.pk})

    assert client_for(reporter).get(wrong).status_code == 404


def test_uploading_to_a_submitted_report_answers_409(client_for, reporter, reform_a, make_report):
    report = make_report(reporter, reform_a, state=ReportState.SUBMITTED)

    response = client_for(reporter).post(attachments_url(report), {"file": samples.upload("a.pdf", samples.pdf())})

    assert response.status_code == 409
    assert not Attachment.objects.exists()


def test_uploads_are_throttled_with_429_and_retry_after(client_for, reporter, draft, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}),
            "tracker-uploads": "2/min",
        },
    }
    client = client_for(reporter)

    statuses = [
        client.post(attachments_url(draft), {"file": samples.upload(f"{n}.png", samples.png())}).status_code
        for n in range(3)
    ]
    throttled = client.post(attachments_url(draft), {"file": samples.upload("x.png", samples.png())})

    assert statuses == [201, 201, 429]
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert Attachment.objects.count() == 2


@pytest.mark.parametrize("rows", [1, 20])
def test_the_attachment_list_costs_the_same_queries_for_1_and_20_rows(client_for, reporter, draft, rows):
    for number in range(rows):
        services.attachment_add(report=draft, user=reporter, file=samples.upload(f"{number}.png", samples.png()))
    client = client_for(type(reporter).objects.get(pk=reporter.pk))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(attachments_url(draft))

    assert response.status_code == 200 and response.json()["count"] == rows
    # 1 the user's roles (core.access.load_roles: groups, unit ids and permissions in one query), 2 the report in
    # scope, 3 COUNT, 4 attachments joined with their uploader.
    assert len(queries) == 4
