"""The dashboard: reporting's figures of one region (the user's office by default) for the pages."""

from __future__ import annotations

import asyncio
from typing import Any

from services.web.adapters.apis import Apis
from services.web.application.session import User


async def figures(apis: Apis, user: User, *, region: str | None, kind: str | None, bidang: str | None,
                  since: str | None, until: str | None) -> dict[str, Any]:
    """The ormas figures (by kind or bidang when asked) and the kegiatan figures of the period."""
    token = user.access_token
    ormas, kegiatan = await asyncio.gather(
        apis.reporting.get("/stats/ormas", token, params={"region": region, "kind": kind, "bidang": bidang}),
        apis.reporting.get("/stats/kegiatan", token, params={"region": region, "since": since, "until": until}))
    return {"ormas": ormas, "kegiatan": kegiatan}
