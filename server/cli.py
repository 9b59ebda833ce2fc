"""The ``huddle`` command: serve, manage users, and run the classifier tools."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

CLASSIFIER_COMMANDS = ("train-classifier", "eval-classifier", "classify")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="huddle", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the chat server (settings come from the environment)")
    users = sub.add_parser("users", help="manage users")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    grant = users_sub.add_parser("grant", help="grant a role to a pseudonym")
    grant.add_argument("pseudonym")
    grant.add_argument("role", choices=["member", "supporter", "lead", "admin"])
    for name in CLASSIFIER_COMMANDS:
        sub.add_parser(name, help=f"{name.replace('-', ' ')} (see moderation/)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in CLASSIFIER_COMMANDS:
        from moderation.cli import main as moderation_main

        return int(moderation_main(args_list))
    args = _build_parser().parse_args(args_list)
    if args.command == "serve":
        from server.app import serve

        return serve()
    if args.command == "users":
        from server.admin_cli import grant_role

        return grant_role(args.pseudonym, args.role)
    return 2


if __name__ == "__main__":
    sys.exit(main())
