"""What each subcommand's help says: its description and every argument it takes, each with its own
line of explanation, as the parser defines them (``mmrs NAME --help``)."""

from __future__ import annotations

import argparse
import re

import pytest

from mmrs import cli


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("name", sorted(_subparsers()))
def test_help_says_what_the_command_does_and_explains_every_argument(name, capsys):
    sub = _subparsers()[name]
    with pytest.raises(SystemExit) as stop:
        cli.main([name, "--help"])
    assert stop.value.code == 0
    shown = _flat(capsys.readouterr().out)
    assert shown.startswith(f"usage: mmrs {name}")
    assert sub.description and len(sub.description.split()) >= 8, "a description saying what the command does"
    assert _flat(sub.description) in shown
    arguments = [a for a in sub._actions if not isinstance(a, argparse._HelpAction)]
    for action in arguments:
        assert action.help and action.help != argparse.SUPPRESS, f"{name}: {action.dest} has no help"
        label = "/".join(action.option_strings) or action.metavar or action.dest
        for shown_as in action.option_strings or [action.metavar or action.dest]:
            assert re.search(rf"(?<![\w-]){re.escape(shown_as)}(?![\w-])", shown), f"{name}: {shown_as} not shown"
        text = _flat(action.help % {"default": action.default, "prog": f"mmrs {name}"})
        assert text in shown, f"{name}: the help of {label} is not shown"
    # the summary line `mmrs --help` gives for the command is the one its parser was added with
    top = cli.parser().format_help()
    summary = next(a for a in cli.parser()._subparsers._group_actions[0]._choices_actions if a.dest == name).help
    assert _flat(summary) in _flat(top)
