"""Checks on uploaded files: size and real type (read from the content, not the name)."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF", "application/pdf", (".pdf",))
JPEG = FileKind("image JPEG", "image/jpeg", (".jpg", ".jpeg"))
PNG = FileKind("image PNG", "image/png", (".png",))
ODT = FileKind("document OpenDocument", "application/vnd.oasis.opendocument.text", (".odt",))
DOCX = FileKind("document Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",))
TEXT = FileKind("texte", "text/plain", (".txt",))
ACCEPTED_KINDS = (PDF, JPEG, PNG, ODT, DOCX, TEXT)
ACCEPTED_EXTENSIONS = ", ".join(ext for kind in ACCEPTED_KINDS for ext in kind.extensions)


def _sniff(head: bytes, upload: UploadedFile) -> FileKind | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").strip() == ODT.content_type.encode():
                    return ODT
                if "word/document.xml" in names:
                    return DOCX
        except zipfile.BadZipFile:
            return None
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return TEXT if b"\x00" not in head else None


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Refuse a file that is too large or whose content is not an accepted type, saying why."""
    name = (upload.name or "fichier").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            f"« {name} » pèse {filesizeformat(upload.size or 0)} : la limite est de {filesizeformat(limit)}.",
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError(f"« {name} » est vide.", code="file_empty")
    upload.seek(0)
    head = upload.read(2048)
    kind = _sniff(head, upload)
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind is None:
        raise ValidationError(
            f"« {name} » n'est pas d'un type accepté. Types acceptés : {ACCEPTED_EXTENSIONS}.", code="file_type"
        )
    if extension not in kind.extensions:
        raise ValidationError(
            f"« {name} » porte l'extension « {extension or 'aucune'} » mais son contenu est un fichier {kind.label}.",
            code="file_type_mismatch",
        )
    if kind is PDF and b"%%EOF" not in _tail(upload):
        raise ValidationError(f"« {name} » est un PDF incomplet ou endommagé.", code="file_corrupt")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload=upload, name=name, content_type=kind.content_type, size=upload.size, sha256=digest.hexdigest())


def _tail(upload: UploadedFile, length: int = 2048) -> bytes:
    upload.seek(max((upload.size or 0) - length, 0))
    data = upload.read(length)
    upload.seek(0)
    return data
