"""An ormas's documents: upload (PDF, JPEG, PNG; checked by content), the required-documents
checklist for its legal form, and download. Files are stored once per content (SHA-256)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from fastapi import APIRouter, File, Form, Header, Response, UploadFile
from pydantic import BaseModel

from services.registry.api.ormas import _etag
from services.registry.application import applications
from services.registry.application.ormas import visible as _visible
from services.registry.application.ormas import writable as _writable
from services.registry.deps import ApplicantOrReader, ApplicantOrWriter, Current, OrmasStore
from services.registry.domain import documents as rules
from shared import text
from shared.web import NotFound, PreconditionFailed, Unprocessable, content_disposition

router = APIRouter(tags=["documents"])


class DocumentOut(BaseModel):
    id: str
    type: str
    label: str
    filename: str | None
    content_type: str
    size: int
    sha256: str
    number: str | None = None
    issued_on: str | None = None
    uploaded_at: dt.datetime
    uploaded_by: str


class ChecklistItem(BaseModel):
    type: str
    label: str
    present: bool


class DocumentsOut(BaseModel):
    version: int
    documents: list[DocumentOut]
    checklist: list[ChecklistItem]
    complete: bool


def _listing(doc: dict[str, Any]) -> DocumentsOut:
    items = [DocumentOut(label=rules.TYPES[d["type"]], **d) for d in doc.get("documents") or []]
    checklist = [ChecklistItem(**c) for c in rules.checklist(doc)]
    return DocumentsOut(version=doc["version"], documents=items, checklist=checklist,
                        complete=all(c.present for c in checklist))


@router.get("/ormas/{ormas_id}/documents", response_model=DocumentsOut)
async def list_documents(ormas_id: str, response: Response, principal: ApplicantOrReader,
                         ormas: OrmasStore) -> DocumentsOut:
    if principal.role == "ormas" and ormas_id != principal.ormas_id:
        raise NotFound("no such ormas")
    doc = await _visible(ormas, principal, ormas_id)
    _etag(response, doc)
    return _listing(doc)


@router.post("/ormas/{ormas_id}/documents", status_code=201, response_model=DocumentsOut)
async def upload_document(ormas_id: str, response: Response, principal: ApplicantOrWriter, ormas: OrmasStore,
                          file: UploadFile = File(description="PDF, JPEG or PNG, at most 10 MB"),
                          type: Literal[tuple(rules.TYPES)] = Form(),  # type: ignore[valid-type]
                          number: str | None = Form(default=None, max_length=100),
                          issued_on: dt.date | None = Form(default=None),
                          if_match: str | None = Header(default=None)) -> DocumentsOut:
    """The office's upload; an ormas account's to its own application while it prepares it."""
    if principal.role == "ormas":
        applications.own_editable(principal, ormas_id, await ormas.get(ormas_id))
    doc, version = await _writable(ormas, principal, ormas_id, if_match)
    for field, value in (("number", number), ("file", file.filename)):  # as JSON bodies are (shared.text)
        try:
            text.check(value or "")
        except text.BadText as e:
            raise Unprocessable(f"{field}: {e}", errors=[{"field": field, "message": str(e)}]) from None
    data = await file.read(rules.MAX_BYTES + 1)
    content_type, digest = rules.check_upload(data, file.content_type, type)
    if issued_on and issued_on > dt.date.today():
        raise Unprocessable("issued_on is in the future", errors=[{"field": "issued_on", "message": "in the future"}])
    await ormas.store_file(digest, data, content_type)
    now = dt.datetime.now(dt.UTC)
    entry = {"id": str(uuid.uuid4()), "type": type, "filename": (file.filename or "")[:200] or None,
             "content_type": content_type, "size": len(data), "sha256": digest, "number": number,
             "issued_on": issued_on.isoformat() if issued_on else None, "uploaded_at": now,
             "uploaded_by": principal.subject}
    documents = [*(doc.get("documents") or []), entry]
    history = {"at": now, "by": principal.subject, "action": "document_added", "document_type": type}
    new = await ormas.change(ormas_id, version, {"documents": documents, "updated_at": now}, history, [])
    if new is None:
        raise PreconditionFailed("the ormas changed while the document was added; reload and retry")
    _etag(response, new)
    response.headers["Location"] = f"/ormas/{ormas_id}/documents/{entry['id']}"
    return _listing(new)


@router.get("/ormas/{ormas_id}/documents/{document_id}", response_class=Response,
            responses={200: {"content": {t: {} for t in rules.SIGNATURES}}})
async def download_document(ormas_id: str, document_id: str, principal: Current, ormas: OrmasStore) -> Response:
    doc = await _visible(ormas, principal, ormas_id)
    entry = next((d for d in doc.get("documents") or [] if d["id"] == document_id), None)
    if entry is None:
        raise NotFound("no such document")
    stored = await ormas.file(entry["sha256"])
    if stored is None:
        raise NotFound("the file of this document is missing")
    name = entry.get("filename") or f"{entry['type']}"
    return Response(bytes(stored["data"]), media_type=entry["content_type"],
                    headers={"Content-Disposition": content_disposition(name, entry["type"]),
                             "ETag": f'"{entry["sha256"]}"', "Cache-Control": "private, max-age=3600"})
