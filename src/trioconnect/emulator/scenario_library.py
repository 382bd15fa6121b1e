"""Finding scenarios: the built-in ones (package data) and files given by path.

Built-in scenarios live in ``trioconnect/emulator/scenarios/*.yaml`` and are known by their file
name without ``.yaml`` (``echo``, ``every-event``, ``authentication``, ``lex-streaming``,
``transfer``, ``idle-timeout``, ``agent-ends``). A scenario file named on the command line or
passed to ``serve`` is validated when it is loaded, so a bad file fails at start-up with its line.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from trioconnect.emulator.scenario_parse import load_yaml
from trioconnect.emulator.scenario_schema import Scenario, ScenarioError

__all__ = ["ScenarioLibrary", "load_file"]

ScenarioSpec = str | Path | Scenario


def load_file(path: str | Path) -> Scenario:
    """Load and validate a scenario file; its name defaults to the file name without suffix.

    Raises:
        ScenarioError: unreadable file or invalid scenario.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"cannot read scenario file {str(path)!r}: {error}") from None
    return load_yaml(text, str(path), path.stem)


class ScenarioLibrary:
    """Scenarios by name.

    Args:
        scenarios: scenarios to start with.
    """

    def __init__(self, scenarios: Iterable[Scenario] = ()) -> None:
        self._by_name: dict[str, Scenario] = {}
        for scenario in scenarios:
            self.add(scenario)

    @classmethod
    def builtin(cls) -> ScenarioLibrary:
        """A library holding every built-in scenario."""
        found = []
        folder = resources.files("trioconnect.emulator") / "scenarios"
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                text = entry.read_text(encoding="utf-8")
                stem = entry.name.removesuffix(".yaml")
                found.append(load_yaml(text, f"scenarios/{entry.name}", stem))
        return cls(found)

    def add(self, scenario: Scenario) -> None:
        """Register (or replace) a scenario under its name."""
        self._by_name[scenario.name] = scenario

    def get(self, name: str) -> Scenario | None:
        """The scenario called ``name``, or None."""
        return self._by_name.get(name)

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        return sorted(self._by_name)

    def resolve(self, spec: ScenarioSpec) -> Scenario:
        """A scenario from a name, a file path or a :class:`Scenario`, registered here.

        A string is first looked up as a name, then read as a file.

        Raises:
            ScenarioError: unknown name and no such file, or an invalid file.
        """
        if isinstance(spec, Scenario):
            self.add(spec)
            return spec
        if isinstance(spec, str) and spec in self._by_name:
            return self._by_name[spec]
        if Path(spec).is_file():
            scenario = load_file(spec)
            self.add(scenario)
            return scenario
        raise ScenarioError(
            f"unknown scenario {str(spec)!r}: not a file, nor one of {self.names()}"
        )
