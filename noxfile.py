"""nox sessions: tests, lint, typecheck, statecharts, bench, soak."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (what CI runs, minus lint)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over sources, tests and benchmarks."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "benchmarks", "scripts")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src/."""
    session.install("-e", ".[test]")
    session.run("mypy")


@nox.session
def statecharts(session: nox.Session) -> None:
    """Re-render the Mermaid diagrams from statecharts/*.yaml."""
    session.install("-e", ".")
    session.run("python", "-m", "trioconnect.statechart_render", "--write")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks; each writes JSON under benchmarks/results/."""
    session.install("-e", ".[test]")
    for script in ("bench_emulator.py", "bench_session.py"):
        session.run("python", f"benchmarks/{script}", *session.posargs)
