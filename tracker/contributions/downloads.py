"""An evidence file as the API and the admin send it: always a download, never rendered as a page."""

from django.http import FileResponse

from .models import ContributionAttachment


def attachment_response(attachment: ContributionAttachment) -> FileResponse:
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    # Whatever the file holds, a browser that opens it anyway runs nothing from it.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
