"""Handlers of the Connect API operations the emulator serves (``connect``, 2017-08-08).

StartChatContact, CreateParticipant (custom bots), StopContact and DescribeContact. SigV4 headers
are accepted and not verified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trioconnect.emulator.api_error import ApiError, not_found, validation
from trioconnect.emulator.asgi import Request
from trioconnect.emulator.clock import iso_ms
from trioconnect.emulator.context import EmulatorContext
from trioconnect.emulator.participant_api import Handler
from trioconnect.emulator.records import Contact, Role

__all__ = ["HANDLERS", "contact_arn"]


def contact_arn(contact: Contact) -> str:
    """An ARN-shaped identifier of a contact (the account id is a placeholder)."""
    return (
        f"arn:aws:connect:us-west-2:000000000000:instance/{contact.instance_id}"
        f"/contact/{contact.contact_id}"
    )


def start_chat_contact(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """StartChatContact: a new chat contact and its customer participant."""
    ctx.quotas.check_active_chats(ctx.state.active_chats())
    contact, customer = ctx.state.start_chat(
        display_name=params["ParticipantDetails"]["DisplayName"],
        instance_id=params["InstanceId"],
        contact_flow_id=params["ContactFlowId"],
        attributes=params.get("Attributes"),
        supported_content_types=params.get("SupportedMessagingContentTypes"),
        persistent_chat=params.get("PersistentChat"),
        initial_message=params.get("InitialMessage"),
        related_contact_id=params.get("RelatedContactId"),
        chat_duration_minutes=params.get("ChatDurationInMinutes"),
    )
    out: dict[str, Any] = {
        "ContactId": contact.contact_id,
        "ParticipantId": customer.participant_id,
        "ParticipantToken": customer.participant_token,
    }
    if contact.rehydration_type is not None:
        out["ContinuedFromContactId"] = contact.previous_contact_id
    return out


def _contact_of(ctx: EmulatorContext, instance_id: str, contact_id: str) -> Contact:
    contact = ctx.state.store.contact(contact_id)
    if contact is None or contact.instance_id != instance_id:
        raise not_found("Contact not found in this instance")
    return contact


def create_participant(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """CreateParticipant: add a CUSTOM_BOT participant to an active chat."""
    contact = _contact_of(ctx, params["InstanceId"], params["ContactId"])
    details = params["ParticipantDetails"]
    if details.get("ParticipantRole", "CUSTOM_BOT") != "CUSTOM_BOT":
        raise validation("Only CUSTOM_BOT participants can be created")
    participant = ctx.state.add_participant(
        contact.contact_id, Role.CUSTOM_BOT, details.get("DisplayName") or "Bot"
    )
    expiry = ctx.state.clock.monotonic() + ctx.state.config.participant_token_ttl
    return {
        "ParticipantCredentials": {
            "ParticipantToken": participant.participant_token,
            "Expiry": iso_ms(ctx.state.clock.wall_at(expiry)),
        },
        "ParticipantId": participant.participant_id,
    }


def stop_contact(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """StopContact: end the chat (chat.ended is pushed to every participant)."""
    contact = _contact_of(ctx, params["InstanceId"], params["ContactId"])
    if contact.ended:
        raise ApiError("ContactNotFoundException", 410, "The contact has already ended")
    ctx.state.end_chat(contact.contact_id)
    return {}


def describe_contact(
    ctx: EmulatorContext, request: Request, params: Mapping[str, Any]
) -> dict[str, Any]:
    """DescribeContact: the fields that make sense for a chat."""
    contact = _contact_of(ctx, params["InstanceId"], params["ContactId"])
    described: dict[str, Any] = {
        "Arn": contact_arn(contact),
        "Id": contact.contact_id,
        "InitialContactId": contact.initial_contact_id,
        "PreviousContactId": contact.previous_contact_id,
        "RelatedContactId": contact.previous_contact_id,
        "Channel": "CHAT",
        "InitiationMethod": "API",
        "InitiationTimestamp": contact.created_at,
        "LastUpdateTimestamp": contact.ended_at or contact.created_at,
        "DisconnectTimestamp": contact.ended_at,
        "Attributes": dict(contact.attributes),
    }
    return {"Contact": described}


#: Operation name → handler.
HANDLERS: dict[str, Handler] = {
    "StartChatContact": start_chat_contact,
    "CreateParticipant": create_participant,
    "StopContact": stop_contact,
    "DescribeContact": describe_contact,
}
