"""Forms of the report pages. They check shape and show errors; the services decide and write."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from ..exceptions import ReportError
from ..models import COMMENT_MAX_LENGTH, Attachment, ProgressReport, ReportCityLine
from ..services import CityLineInput
from ..uploads import ACCEPTED_EXTENSIONS, inspect_upload

# Shown on the form under "<label>: message" when a service refuses a value the page has no field for.
ERROR_LABELS = {
    "city_lines": _("City lines"),
    "file": _("Attachments"),
    "unit": _("unit"),
    "reform": _("reform"),
    "period": _("reporting period"),
}


def refusal_errors(error: ValidationError | ReportError, form_fields) -> list[tuple[str | None, list[str]]]:
    """A service's refusal as (form field or None, messages) pairs, to add to the form."""
    if isinstance(error, ReportError):
        return [(None, [str(error.message)])]
    if not hasattr(error, "error_dict"):
        return [(None, error.messages)]
    pairs = []
    for field, errors in error.message_dict.items():
        if field in form_fields:
            pairs.append((field, errors))
        elif field == NON_FIELD_ERRORS:
            pairs.append((None, errors))
        else:
            label = ERROR_LABELS.get(field, field)
            pairs.append((None, [f"{label}：{message}" for message in errors]))
    return pairs


class ProgressReportForm(forms.ModelForm):
    """The report's own fields, plus the version the page was loaded at.

    `version` travels in a hidden field and goes to report_update(): if someone else saved the report since this
    page was loaded, the save is refused instead of silently overwriting their change.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    # What the services answered when this POST was saved first (see ProgressReportAdmin.changeform_view): added
    # to the form when the page is validated again to be shown.
    refusal: ValidationError | ReportError | None = None

    class Meta:
        model = ProgressReport
        # The admin's fieldsets choose the fields shown; these are the ones a unit may ever write.
        fields = ["reform", "unit", "period", "status", "percent", "work_done", "problems", "next_steps"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.refusal is not None:
            for field, messages in refusal_errors(self.refusal, self.fields):
                self.add_error(field, messages)
        return cleaned


class CityLineForm(forms.ModelForm):
    """One target city's row. The city itself is fixed: the rows are the reform's target cities, no more, no less."""

    class Meta:
        model = ReportCityLine
        fields = ["city", "status", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 1, "cols": 50})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Disabled: the browser does not send it and Django keeps the row's own city (from the instance or from
        # the initial data of a new row), whatever a crafted POST says.
        self.fields["city"].disabled = True


class CityLineFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            # A new row stands for a target city without a line yet: validate and keep it even if left as
            # prefilled, since submitting needs a line for every target city.
            kwargs["empty_permitted"] = False
        return kwargs

    def city_lines(self) -> list[CityLineInput]:
        return [
            CityLineInput(
                city=form.cleaned_data["city"],
                status=form.cleaned_data["status"],
                note=form.cleaned_data.get("note") or "",
            )
            for form in self.forms
            if form.cleaned_data and form.cleaned_data.get("city") is not None
        ]


class UploadForm(forms.ModelForm):
    """A new evidence file. attachment_add() checks and stores it; the check here only puts its message by the file."""

    upload = forms.FileField(
        label=_("file"),
        required=False,
        help_text=_("PDF, Word, Excel, PowerPoint, WPS, PNG or JPEG; at most 20 MB."),
        # The accepted types, so that a phone offers its files and its camera (a photo is a JPEG) and nothing the
        # check would refuse; the check itself (inspect_upload) stays the judge.
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(sorted(f".{extension}" for extension in ACCEPTED_EXTENSIONS))}
        ),
    )

    class Meta:
        model = Attachment
        fields: list[str] = []

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            inspect_upload(upload)
        return upload


class UploadFormSet(BaseInlineFormSet):
    @classmethod
    def get_default_prefix(cls) -> str:
        # The attachments already stored use the default prefix ("attachments"); a name of its own keeps the field
        # names readable instead of Django's "attachments-2".
        return "uploads"

    def uploads(self) -> list:
        return [form.cleaned_data["upload"] for form in self.forms if form.cleaned_data.get("upload")]


class ReturnForm(forms.Form):
    """The reviewer's reason, asked for on the confirmation page of the "return" action."""

    comment = forms.CharField(
        label=_("Reason for returning"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text=_("The unit sees this comment on the report and corrects the report accordingly."),
    )
