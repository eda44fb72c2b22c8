"""The signed documents' public side: what a verification code stands for, and the check of a
file someone holds. No token: the code printed on the document is the key (50 bits, not
guessable); the page shows no personal data but the addressee's masked name."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from services.notifications.application import verification
from services.notifications.deps import Keys, Messages
from services.notifications.domain import documents
from shared.web import NotFound, Unprocessable

router = APIRouter(tags=["documents"])
MAX_PDF = 5 * 1024 * 1024
KINDS = {"surat_undangan": "Surat undangan", "sertifikat": "Sertifikat kehadiran",
         "surat_keterangan_terdaftar": "Surat Keterangan Terdaftar",
         "surat_keterangan_keberadaan": "Surat Keterangan Keberadaan"}


class DocumentOut(BaseModel):
    code: str = Field(description="ABCDE-FGHIJ, as printed")
    kind: str
    kind_label: str
    number: str
    dated: str = Field(description="the day it was signed, in its office's zone (ISO date)")
    office_name: str
    addressee: str = Field(description="masked: its title and each word's first two letters")
    title: str


class CheckOut(BaseModel):
    code: str
    hash_matches: bool = Field(description="the file is byte for byte one the office sent")
    signature: Literal["valid", "invalid", "absent", "unreadable"]
    intact: bool = Field(description="nothing the signature covers was changed")
    signed_by: str | None
    authentic: bool = Field(description="the hash matches and the signature is valid")


async def _record(messages, code: str) -> dict:
    normal = documents.normal_code(code)
    record = await messages.document(normal) if normal else None
    if record is None:
        raise NotFound("no signed document has this verification code")
    return record


@router.get("/documents/{code}", response_model=DocumentOut)
async def document(code: str, messages: Messages) -> DocumentOut:
    """What a verification code stands for."""
    r = await _record(messages, code)
    return DocumentOut(code=documents.spaced(r["_id"]), kind=r["kind"], kind_label=KINDS.get(r["kind"], r["kind"]),
                       number=r["number"], dated=r["dated"], office_name=r["office_name"], addressee=r["addressee"],
                       title=r["title"])


@router.post("/documents/{code}/check", response_model=CheckOut,
             openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {
                 "schema": {"type": "string", "format": "binary"}}}}})
async def check(code: str, request: Request, messages: Messages, keys: Keys) -> CheckOut:
    """Checks a PDF someone holds (the request body, the file's bytes whatever its content type,
    up to 5 MB) against the record: its hash and its office's signature."""
    r = await _record(messages, code)
    body = await request.body()
    if not body.startswith(b"%PDF-"):
        raise Unprocessable("the body is not a PDF file", errors=[{"field": "body", "message": "expected application/pdf"}])
    cert = await asyncio.to_thread(keys.certificate, r["office_region"])
    done = await asyncio.to_thread(verification.check, body, r, cert)
    return CheckOut(code=documents.spaced(r["_id"]), hash_matches=done.hash_matches, signature=done.signature,
                    intact=done.intact, signed_by=done.signed_by,
                    authentic=done.hash_matches and done.signature == "valid")
