"""/lessons/import/: curators bring in a lessons log (steps in lessons/transfer/).

1. ``upload``: the file is checked and kept under a random token remembered in the
   session (the browser only ever names the token, never a path).
2. ``mapping``: each column's field, defaults and switches; "Check" runs a dry run and
   shows row-by-row problems; "Import" imports everything in one transaction, or nothing.
3. ``done``: what was imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import curators_only
from lessons.models import Lesson
from lessons.search.filters import LessonFilterSet
from lessons.transfer import exports, reading, writing
from lessons.transfer.columns import TARGETS
from lessons.transfer.forms import MappingForm, UploadForm
from lessons.transfer.uploads import delete_upload, read_upload, save_upload

SESSION_KEY = "lesson_imports"
DONE_KEY = "lesson_import_done"
KEPT_UPLOADS = 5


def _uploads(request: HttpRequest) -> dict[str, dict]:
    return dict(request.session.get(SESSION_KEY, {}))


def _forget(request: HttpRequest, token: str) -> None:
    uploads = _uploads(request)
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    delete_upload(token)


class _SizeLimit(FileUploadHandler):
    """Stop reading an upload once it is bigger than an import takes (nothing kept)."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > reading.MAX_FILE_BYTES + 1:
            self.request.import_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int):
        return None  # the next handlers keep the file


@csrf_exempt  # the CSRF check reads the body: the size limit must be in place first
@curators_only
def upload(request: HttpRequest) -> HttpResponse:
    request.upload_handlers.insert(0, _SizeLimit(request))
    return _upload(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request: HttpRequest) -> HttpResponse:
    bound = request.method == "POST"
    form = UploadForm(request.POST if bound else None, request.FILES if bound else None)
    if bound and getattr(request, "import_too_large", False):
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error(
            "file",
            f"The file is bigger than {reading.MAX_FILE_BYTES // 1024 // 1024} MB, the limit: "
            "split it into smaller files.",
        )
    if bound and form.is_valid():
        token = save_upload(form.cleaned_data["data"])
        uploads = _uploads(request)
        for old in list(uploads)[: max(0, len(uploads) - KEPT_UPLOADS + 1)]:
            uploads.pop(old)
            delete_upload(old)
        uploads[token] = {
            "name": form.cleaned_data["file"].name[:200],
            "encoding": form.cleaned_data.get("encoding") or "",
            "uploaded_at": timezone.now().isoformat(),
        }
        request.session[SESSION_KEY] = uploads
        target = reverse("lessons:import_mapping", args=[token])
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":
            return JsonResponse({"location": target})  # the upload progress script goes on
        return redirect(target)
    return render(
        request,
        "lessons/transfer/import_upload.html",
        {
            "form": form,
            "max_rows": reading.MAX_ROWS,
            "max_megabytes": reading.MAX_FILE_BYTES // 1024 // 1024,
            "targets": TARGETS,
        },
    )


def _uploaded_table(token: str, upload: dict, sheet: str | None) -> reading.Table:
    """The kept upload's chosen sheet (the first if it has no such sheet), as a table."""
    data = read_upload(token)
    try:
        return reading.read_table(
            data, upload["name"], sheet=sheet, encoding=upload["encoding"] or None
        )
    except reading.ImportFileError:
        if not sheet:
            raise
        return reading.read_table(data, upload["name"])  # an unknown sheet: the first


@curators_only
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, token: str) -> HttpResponse:
    upload = _uploads(request).get(token)
    if upload is None:
        messages.error(request, "That upload is no longer available: upload the file again.")
        return redirect("lessons:import")
    sheet = request.POST.get("sheet") or request.GET.get("sheet") or None
    try:
        table = _uploaded_table(token, upload, sheet)
    except FileNotFoundError:
        _forget(request, token)
        messages.error(request, "That upload has expired: upload the file again.")
        return redirect("lessons:import")
    except reading.ImportFileError as error:
        _forget(request, token)
        messages.error(request, str(error))
        return redirect("lessons:import")

    form = MappingForm(table, request.POST or None)
    report = None
    if request.method == "POST" and form.is_valid():
        dry_run = request.POST.get("intent") != "import"
        report = writing.run_import(
            table, form.options(upload["name"]), request.user, dry_run=dry_run
        )
        if not dry_run and report.ok:
            _forget(request, token)
            request.session[DONE_KEY] = report.summary()
            messages.success(
                request,
                f"Imported {len(report.created_ids):,} lesson"
                f"{'' if len(report.created_ids) == 1 else 's'} from {upload['name']}.",
            )
            return redirect("lessons:import_done")
    return render(
        request,
        "lessons/transfer/import_mapping.html",
        {
            "form": form,
            "table": table,
            "upload": upload,
            "token": token,
            "report": report,
            "row_count": len(table.rows),
        },
    )


@curators_only
def done(request: HttpRequest) -> HttpResponse:
    summary = request.session.get(DONE_KEY)
    if summary is None:
        return redirect("lessons:import")
    return render(request, "lessons/transfer/import_done.html", {"summary": summary})


def _export(request: HttpRequest) -> tuple[list[int], Callable[[], Iterator[dict]]]:
    """The ids of the page's search, and a generator of its lessons as export records."""
    visible = Lesson.objects.searchable_by(request.user)
    filterset = LessonFilterSet(request.GET, queryset=visible, request=request)
    filterset.is_valid()
    ids = exports.ordered_ids(filterset)
    site = request.build_absolute_uri("/").rstrip("/")

    def records() -> Iterator[dict]:
        for lesson in exports.lessons_in_order(ids, visible):
            yield exports.lesson_record(lesson, site)

    return ids, records


@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    _, records = _export(request)
    response = StreamingHttpResponse(
        exports.csv_lines(records()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="hindsight-lessons.csv"'
    return response


@require_GET
def export_xlsx(request: HttpRequest) -> FileResponse:
    _, records = _export(request)
    return FileResponse(
        exports.write_xlsx(records()),
        as_attachment=True,
        filename="hindsight-lessons.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_GET
def export_json(request: HttpRequest) -> StreamingHttpResponse:
    ids, records = _export(request)
    response = StreamingHttpResponse(
        exports.json_chunks(records(), len(ids)), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="hindsight-lessons.json"'
    return response
