"""Reading a multipart upload of a whole flight without holding it in memory.

Django keeps uploaded files under 5 MB in memory; a flight is hundreds of such photos, so the drone views switch
the request to temporary files on disk before anything reads its body (Django allows this only until then).
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParserError

TOO_MUCH = (TooManyFilesSent, TooManyFieldsSent, RequestDataTooBig)


def stream_to_disk(request) -> None:
    # Setting handlers after the body was read raises AttributeError; the files are then already parsed as usual.
    with contextlib.suppress(AttributeError):
        request.upload_handlers = [TemporaryFileUploadHandler(request)]


def parse_failure(request) -> str | None:
    """Parse the body now; a refusal (too many files, broken multipart) as a message for the `files` field."""
    try:
        request.FILES  # noqa: B018 — reading it parses the body
    except TOO_MUCH:
        return (f"一次最多上传 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个文件："
                "请分批上传，或把照片打包为一个 zip 压缩包")
    except MultiPartParserError as exc:
        return f"上传内容不完整或格式错误（{exc}）"
    return None


def uploaded_files(request) -> list:
    """Every file sent, whatever its field name (the form uses `files`; nothing sent is silently ignored)."""
    return [f for _name, files in request.FILES.lists() for f in files]
