"""A session's customer-authentication and view calls."""

from __future__ import annotations

from typing import Any

from trioconnect.session.base import SessionCore

__all__ = ["AuthenticationCalls"]


class AuthenticationCalls(SessionCore):
    """Customer authentication (flow block) and step-by-step guide views."""

    # ------------------------------------------------------------------ authentication and views
    async def get_authentication_url(
        self, *, session_id: str, redirect_uri: str, metadata: Any = None
    ) -> str:
        """The URL where the customer authenticates (after an authentication.initiated event)."""
        self._require_callable("get_authentication_url")
        sup = self._supervisor
        result = await self._guarded(
            "GetAuthenticationUrl",
            sup.client.get_authentication_url(
                sup.connection_token(), session_id=session_id, redirect_uri=redirect_uri
            ),
            metadata,
        )
        return str(result.url)

    async def cancel_participant_authentication(
        self, *, session_id: str, metadata: Any = None
    ) -> None:
        """Cancel a pending customer authentication."""
        self._require_callable("cancel_participant_authentication")
        sup = self._supervisor
        await self._guarded(
            "CancelParticipantAuthentication",
            sup.client.cancel_participant_authentication(
                sup.connection_token(), session_id=session_id
            ),
            metadata,
        )

    async def describe_view(self, view_token: str, *, metadata: Any = None) -> Any:
        """Describe a view (step-by-step guide) by its token."""
        self._require_callable("describe_view")
        sup = self._supervisor
        return await self._guarded(
            "DescribeView",
            sup.client.describe_view(sup.connection_token(), view_token=view_token),
            metadata,
        )
