"""A Sphinx directive that writes the command-line reference from the argument parser.

``.. pyvmafneg-cli::`` walks :func:`pyvmafneg.cli.build_parser` (the parser the
``pyvmafneg`` command itself uses) and emits, for the top-level command and each
subcommand in turn: a section, the usage line, the description, every argument
group with each option's flags, metavar, default and help, and the epilog. The
page can therefore never disagree with ``pyvmafneg COMMAND --help``.
"""

from __future__ import annotations

import argparse
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

_RST_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")


def _escape(text: str) -> str:
    """``text`` with reStructuredText's inline markup characters escaped."""
    return _RST_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _help(action: argparse.Action, parser: argparse.ArgumentParser) -> str:
    """An action's help as ``--help`` prints it (``%(default)s`` and friends expanded)."""
    if not action.help or action.help == argparse.SUPPRESS:
        return ""
    params = dict(vars(action), prog=parser.prog)
    for key, value in list(params.items()):
        if hasattr(value, "__name__"):
            params[key] = value.__name__
    if params.get("choices") is not None:
        params["choices"] = ", ".join(str(c) for c in params["choices"])
    try:
        return action.help % params
    except (KeyError, TypeError, ValueError):
        return action.help


def _flags(action: argparse.Action, parser: argparse.ArgumentParser) -> str:
    """The flags and metavar of one action, as ``--help`` shows them."""
    formatter = parser._get_formatter()
    return formatter._format_action_invocation(action)


def _block(lines: list[str], text: str, indent: str = "   ") -> None:
    lines.append("")
    lines.append("::")
    lines.append("")
    lines.extend(indent + line if line.strip() else "" for line in text.rstrip().splitlines())
    lines.append("")


def _subparsers(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.extend(action.choices.items())
    return found


def _parser_lines(parser: argparse.ArgumentParser, title: str, underline: str) -> list[str]:
    lines = [title, underline * len(title), ""]
    lines.append(f".. _cli-{parser.prog.replace(' ', '-')}:")
    lines.append("")
    _block(lines, parser.format_usage().removeprefix("usage: "))
    if parser.description:
        lines.extend([_escape(parser.description), ""])
    for group in parser._action_groups:
        actions = [
            a
            for a in group._group_actions
            if a.help != argparse.SUPPRESS and not isinstance(a, argparse._SubParsersAction)
        ]
        if not actions:
            continue
        lines.extend([f"**{_escape(group.title or 'arguments')}**", ""])
        if group.description:
            lines.extend([_escape(group.description), ""])
        for action in actions:
            lines.append(f"``{_flags(action, parser)}``")
            text = _escape(_help(action, parser)) or "(no description)"
            default = action.default
            if (
                action.option_strings
                and default not in (None, False, True, argparse.SUPPRESS)
                and "default" not in (action.help or "")
            ):
                text += f" (default: ``{default}``)"
            lines.extend([f"   {text}", ""])
    if parser.epilog:
        _block(lines, parser.epilog)
    return lines


class CliReference(SphinxDirective):
    """Emit the reference of the ``pyvmafneg`` command and all its subcommands."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from pyvmafneg.cli import build_parser

        parser = build_parser()
        lines = _parser_lines(parser, "pyvmafneg", "-")
        for name, sub in _subparsers(parser):
            lines.extend(_parser_lines(sub, f"pyvmafneg {name}", "-"))
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source="pyvmafneg.cli"), container)
        return list(container.children)


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("pyvmafneg-cli", CliReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
