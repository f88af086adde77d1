"""Pages of the referrals channel (included at the site root under the `web` namespace)."""

from __future__ import annotations

urlpatterns: list = []
