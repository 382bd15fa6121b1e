"""A local Amazon Connect chat emulator on trio.

It speaks the Participant Service and Connect API over rest-json (as botocore models them), the
chat WebSocket protocol ChatJS uses, a start-chat backend and presigned attachment URLs, so that
boto3, ChatJS and trioconnect run whole chats against ``127.0.0.1`` with no AWS account.

Start it with :func:`serve` (in a trio program) or ``trioconnect emulator`` (command line).
"""

from __future__ import annotations

from trioconnect.emulator.agent import AgentConfig as AgentConfig
from trioconnect.emulator.agent import DefaultAgent as DefaultAgent
from trioconnect.emulator.api_error import ApiError as ApiError
from trioconnect.emulator.clock import Clock as Clock
from trioconnect.emulator.config import EmulatorConfig as EmulatorConfig
from trioconnect.emulator.faults import Faults as Faults
from trioconnect.emulator.hooks import Hooks as Hooks
from trioconnect.emulator.records import Role as Role
from trioconnect.emulator.scenario_library import ScenarioLibrary as ScenarioLibrary
from trioconnect.emulator.scenario_parse import load_yaml as load_yaml
from trioconnect.emulator.scenario_parse import parse_scenario as parse_scenario
from trioconnect.emulator.scenario_runner import SCENARIO_ATTRIBUTE as SCENARIO_ATTRIBUTE
from trioconnect.emulator.scenario_runner import ScenarioRunner as ScenarioRunner
from trioconnect.emulator.scenario_schema import Scenario as Scenario
from trioconnect.emulator.scenario_schema import ScenarioError as ScenarioError
from trioconnect.emulator.server import Emulator as Emulator
from trioconnect.emulator.server import serve as serve
from trioconnect.emulator.sqlite_store import SqliteStore as SqliteStore
from trioconnect.emulator.state import ChatState as ChatState
from trioconnect.emulator.store import MemoryStore as MemoryStore
from trioconnect.emulator.store import Store as Store

__all__ = [
    "SCENARIO_ATTRIBUTE",
    "AgentConfig",
    "ApiError",
    "ChatState",
    "Clock",
    "DefaultAgent",
    "Emulator",
    "EmulatorConfig",
    "Faults",
    "Hooks",
    "MemoryStore",
    "Role",
    "Scenario",
    "ScenarioError",
    "ScenarioLibrary",
    "ScenarioRunner",
    "SqliteStore",
    "Store",
    "load_yaml",
    "parse_scenario",
    "serve",
]
