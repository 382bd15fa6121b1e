"""A session's counters: integers bumped by the supervisor, snapshotted by ``statistics()``."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Counters"]


@dataclass(slots=True)
class Counters:
    """Mutable counters of one session (in memory only; nothing is sent anywhere)."""

    establishments: int = 0
    reconnects: int = 0
    messages_sent: int = 0
    items_received: int = 0
    duplicates_dropped: int = 0
    items_recovered: int = 0
    malformed_frames: int = 0
    heartbeat_deaths: int = 0
    deep_heartbeat_failures: int = 0
    receipts_sent: int = 0
    receipts_failed: int = 0
    recovery_failures: int = 0
    api_calls: dict[str, int] = field(default_factory=dict)
    api_errors: dict[str, int] = field(default_factory=dict)
    api_latency_total: dict[str, float] = field(default_factory=dict)

    def api_call(self, operation: str, seconds: float) -> None:
        """Count one call of ``operation`` that took ``seconds``."""
        self.api_calls[operation] = self.api_calls.get(operation, 0) + 1
        self.api_latency_total[operation] = self.api_latency_total.get(operation, 0.0) + seconds

    def api_error(self, operation: str) -> None:
        """Count one failed call of ``operation``."""
        self.api_errors[operation] = self.api_errors.get(operation, 0) + 1
