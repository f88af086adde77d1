"""The referrals channel's API endpoints (registered on the /api/v1/ API)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["referrals"])
