"""Operator commands for the registry: ``python -m services.registry.admin create-user …`` creates
an account (the first admin of a fresh installation, or a break-glass one)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import getpass
import os
import sys

from services.registry.adapters.accounts import Accounts
from services.registry.application.accounts import hash_password
from services.registry.settings import Settings
from shared import errors, mongo, regions
from shared.auth import ACCOUNT_ROLES as ROLES


def _settings() -> Settings:
    """The running installation's settings: the process's REGISTRY_* variables where they are set
    (a container of the production shape), else those of the local stack in this checkout."""
    if "REGISTRY_MONGO_URL" not in os.environ:
        from deploy.local import stack

        for key, value in stack.service_env("registry").items():
            os.environ.setdefault(key, value)
    return Settings()


async def _create(args: argparse.Namespace, password: str) -> int:
    settings = _settings()
    client = mongo.create_client(settings.mongo_url, app_name="registry-admin")
    try:
        await Accounts(client[settings.mongo_db]).create_user({
            "_id": args.username, "full_name": args.full_name, "role": args.role, "region": args.region,
            "password": await hash_password(password), "active": True, "created_at": dt.datetime.now(dt.UTC),
            "created_by": "admin-cli"})
    except errors.Duplicate as e:
        print(e.detail, file=sys.stderr)
        return 1
    finally:
        await client.close()
    print(f"created {args.role} {args.username!r} for region {args.region or 'nasional'} "
          f"in database {settings.mongo_db} at {_where(settings.mongo_url)}")
    return 0


def _where(url: str) -> str:
    return url.split("@")[-1].removeprefix("mongodb://").rstrip("/")  # no credentials printed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m services.registry.admin")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create-user")
    c.add_argument("--username", required=True)
    c.add_argument("--full-name", required=True)
    c.add_argument("--role", required=True, choices=ROLES)
    c.add_argument("--region", required=True, help='Kemendagri code; "" for the national office')
    c.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = ap.parse_args(argv)
    if args.region and not regions.is_valid(args.region):
        print(f"unknown region code {args.region!r}", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")
    if len(password) < 12:
        print("the password needs at least 12 characters", file=sys.stderr)
        return 2
    return asyncio.run(_create(args, password))


if __name__ == "__main__":
    sys.exit(main())
