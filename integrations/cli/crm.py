"""``playbook client``, ``sla``, ``draft`` and ``seed``: CRM, SLA and drafting commands (thin edges)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from assistant.models import CHANNELS, PRIORITIES, TIERS
from integrations.cli.common import InvalidInput, JsonOpt, err, load_settings, out, print_json, user_errors


def _one_of(values: tuple[str, ...]) -> str:
    """``a, b or c.``: a vocabulary as help text."""
    return f"{', '.join(values[:-1])} or {values[-1]}."


Channel = typer.Option("--channel", help=_one_of(CHANNELS))


def _when(text: str | None) -> datetime | None:
    """ISO 8601 (with or without an offset; without one it is the client's local time)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--received-at must be ISO 8601 (e.g. 2026-11-20T16:50+01:00), got {text[:40]!r}") from None


def client(client_id: Annotated[str, typer.Argument(help="Client id, e.g. C-1001.")], as_json: JsonOpt = False) -> None:
    """Show a client: tier, plan, tenure, monthly value, churn risk, account owner, language."""
    from assistant.factory import build_services
    from assistant.policy.lookups import client_view

    with user_errors(as_json), build_services(load_settings()) as services:
        data = client_view(services.crm.clients, client_id).model_dump(mode="json")
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        out.print(f"{key:>18}: {value}", markup=False, highlight=False)


def sla(
    tier: Annotated[str, typer.Option("--tier", help=_one_of(TIERS))],
    channel: Annotated[str, Channel],
    priority: Annotated[str, typer.Option("--priority", help=_one_of(PRIORITIES))] = "normal",
    received_at: Annotated[str | None, typer.Option("--received-at", help="When the client wrote (ISO 8601).")] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="The client's IANA time zone.")] = "UTC",
    as_json: JsonOpt = False,
) -> None:
    """Show the SLA targets for a tier, channel and priority; with --received-at, the due times and state."""
    from assistant.factory import build_services
    from assistant.policy.lookups import sla_lookup

    with user_errors(as_json), build_services(load_settings()) as services:
        data = sla_lookup(
            services.sla, services.retriever, tier=tier, channel=channel, priority=priority,
            received_at=_when(received_at), timezone=timezone,
        ).model_dump(mode="json")
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if key != "citation":
            out.print(f"{key:>28}: {value}", markup=False, highlight=False)
    if data.get("citation"):
        c = data["citation"]
        out.print(f"source: {c['title']} › {c['section']} ({c['source']})", markup=False, highlight=False)


def draft(
    kind: Annotated[str, typer.Argument(help="refund or rescue.")],
    client_id: Annotated[str, typer.Option("--client", help="Client id, e.g. C-2002.")],
    message: Annotated[str, typer.Option("--message", help="The customer's message.")],
    channel: Annotated[str, Channel] = "email",
    language: Annotated[
        str | None, typer.Option("--language", help="en, es, fr or de (default: the client's; else English).")
    ] = None,
    received_at: Annotated[str | None, typer.Option("--received-at", help="When the client wrote (ISO 8601).")] = None,
    charge_amount: Annotated[float | None, typer.Option("--charge-amount", help="The charge in question.")] = None,
    days_since_charge: Annotated[int | None, typer.Option("--days-since-charge", help="Days since it.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft a refund or rescue reply for a client, following the policy (credit before refund, SLA, approvals)."""
    from assistant import entry
    from assistant.factory import build_services
    from assistant.models import DraftRequest

    with user_errors(as_json):
        request = DraftRequest(
            kind=kind,
            client_id=client_id,
            message=message,
            channel=channel,
            language=language,
            received_at=_when(received_at),
            charge_amount=charge_amount,
            days_since_charge=days_since_charge,
        )
        with build_services(load_settings()) as services:
            result = entry.draft(services, request)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    out.print(result.draft, markup=False, highlight=False)
    out.print("")
    amount = f" {result.currency} {result.amount:,.2f}" if result.amount is not None else ""
    secondary = f" (+ {', '.join(result.secondary_typifications)})" if result.secondary_typifications else ""
    out.print(
        f"action: {result.recommended_action}{amount}  typification: {result.typification}{secondary}",
        highlight=False,
    )
    if result.requires_approval or result.escalate_to:
        out.print(f"approval needed: {result.requires_approval}  escalate to: {result.escalate_to}", highlight=False)
    clock = result.sla
    out.print(
        f"SLA ({clock.channel}, {clock.priority}): first response by {clock.first_response_due:%Y-%m-%d %H:%M} UTC, "
        f"resolution by {clock.resolution_due:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    for c in result.policy_citations:
        out.print(f"[{c.n}] {c.title} › {c.section} ({c.source})", markup=False, highlight=False)
    for note in result.notes:
        err.print(f"note: {note}", markup=False, highlight=False)


def seed(
    clients_csv: Annotated[Path | None, typer.Option("--clients", help="Import clients from this CSV too.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Seed the CRM from knowledge/data (idempotent); --clients imports another CSV of clients."""
    from assistant.crm.seed import import_clients_csv, seed_from_data
    from assistant.storage.engine import Database

    settings = load_settings()
    with user_errors(as_json), Database.from_settings(settings) as db:
        report = seed_from_data(db, settings.policy_data_dir)
        if clients_csv is not None:
            extra = import_clients_csv(db, clients_csv)
            report = report.model_copy(
                update={
                    "clients_added": report.clients_added + extra.clients_added,
                    "clients_updated": report.clients_updated + extra.clients_updated,
                }
            )
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        out.print(f"{report.clients_added} clients added, {report.clients_updated} updated", highlight=False)


def register(app: typer.Typer) -> None:
    """Add these commands to the ``playbook`` app."""
    for command in (client, sla, draft, seed):
        app.command()(command)
