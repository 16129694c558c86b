"""The embedded CRM against real databases: a SQLite file in tmp_path, and PostgreSQL when
PLAYBOOK_TEST_DATABASE_URL is set (each test then gets its own schema, dropped at teardown)."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assistant.crm import (
    ClientRepository,
    InteractionIn,
    InteractionRepository,
    ensure_seeded,
    import_clients_csv,
    read_typification_codes,
    seed_from_data,
)
from assistant.crm.models import ClientRow, InteractionRow
from assistant.errors import ClientNotFound, ConfigError, InvalidClientData
from assistant.settings import BUNDLED_KNOWLEDGE_DIR
from assistant.storage import Database

DATA_FILES = ("clients.csv", "sla.csv", "typification.csv")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled CSV files, safe to edit."""
    folder = tmp_path / "kdata"
    folder.mkdir()
    for name in DATA_FILES:
        shutil.copy(BUNDLED_KNOWLEDGE_DIR / "data" / name, folder / name)
    return folder


@pytest.fixture
def seeded(db: Database, data_dir: Path) -> Database:
    """The database after one seeding from the CSV copies."""
    seed_from_data(db, data_dir)
    return db


@pytest.fixture
def interactions(seeded: Database, data_dir: Path) -> InteractionRepository:
    """An interaction repository allowing the bundled typification codes."""
    return InteractionRepository(seeded, read_typification_codes(data_dir / "typification.csv"))


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def edit_client(path: Path, client_id: str, **changes: str) -> None:
    """Rewrite one row of a clients CSV in place."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["id"] == client_id:
            row.update(changes)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def refund(**overrides: object) -> InteractionIn:
    values: dict[str, object] = {
        "client_id": "C-2002",
        "channel": "email",
        "typification": "REF-01",
        "summary": "Billing error on the March invoice; refund requested.",
        "outcome": "pending_approval",
        "amount": 120.5,
        "requires_approval": True,
        "escalate_to": "Team lead",
        "created_by": "agent.ana",
    }
    return InteractionIn(**(values | overrides))  # type: ignore[arg-type]


# --- seeding -------------------------------------------------------------------------------------


def test_seed_loads_bundled_clients(db: Database, data_dir: Path) -> None:
    """Seeding does not load the bundled clients, or loads them with the wrong tiers (the SLA is not stored)."""
    report = seed_from_data(db, data_dir)
    assert report.clients_added >= 40 and report.clients_updated == 0 and report.sla_rows == 0
    clients = ClientRepository(db)
    assert [clients.get(i).tier for i in ("C-1001", "C-2002", "C-3003")] == ["A", "B", "C"]
    assert clients.get("C-2013").monthly_value == pytest.approx(1975.50)
    assert count(db, ClientRow) == report.clients_added
    assert {c.tier for c in clients.list("b")} == {"B"} and len(clients.list()) == report.clients_added
    assert clients.list("Z") == []


def test_seed_twice_changes_nothing(db: Database, data_dir: Path) -> None:
    """Re-seeding with unchanged files is not idempotent: it adds, updates or duplicates rows."""
    seed_from_data(db, data_dir)
    with db.session() as session:
        stamps = dict(session.execute(select(ClientRow.id, ClientRow.updated_at)).tuples().all())
    before = count(db, ClientRow)
    report = seed_from_data(db, data_dir)
    assert (report.clients_added, report.clients_updated, report.sla_rows) == (0, 0, 0)
    assert count(db, ClientRow) == before
    with db.session() as session:
        assert dict(session.execute(select(ClientRow.id, ClientRow.updated_at)).tuples().all()) == stamps


def test_changed_csv_row_is_updated_on_reseed(seeded: Database, data_dir: Path) -> None:
    """An edited CSV row is not applied on re-seed (or other rows are touched too)."""
    before = ClientRepository(seeded).get("C-2002")
    edit_client(data_dir / "clients.csv", "C-2002", monthly_value="1333.25", churn_risk="high")
    report = seed_from_data(seeded, data_dir)
    assert (report.clients_added, report.clients_updated, report.sla_rows) == (0, 1, 0)
    after = ClientRepository(seeded).get("C-2002")
    assert (after.monthly_value, after.churn_risk) == (pytest.approx(1333.25), "high")
    assert after.model_dump(exclude={"monthly_value", "churn_risk"}) == before.model_dump(
        exclude={"monthly_value", "churn_risk"}
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("tier", "D"),
        ("monthly_value", "-5"),
        ("monthly_value", "lots"),
        ("tenure_months", "1.5"),
        ("churn_risk", "extreme"),
        ("status", "paused"),
        ("language", "eng"),
        ("timezone", "Mars/Olympus_Mons"),
        ("id", "C-12"),
    ],
)
def test_bad_csv_row_names_line_and_writes_nothing(
    seeded: Database, data_dir: Path, tmp_path: Path, column: str, value: str
) -> None:
    """A bad CSV row is accepted, is reported without its line/column, or part of the file is written."""
    header, first, *_ = (data_dir / "clients.csv").read_text().splitlines()
    good_new = "C-4001,New Good Co,C,Starter,1,10,low,Ana Ruiz,en,0,active,UTC,new-good@example.com"
    bad = dict(zip(header.split(","), good_new.replace("C-4001", "C-4002").split(","), strict=True))
    bad[column] = value
    path = tmp_path / "import.csv"
    # Line 2 changes an existing client and line 3 adds one: neither may be written when line 4 is bad.
    lines = [header, first.replace("Altavista", "Renamed"), good_new, ",".join(bad.values())]
    path.write_text("\n".join(lines) + "\n")
    before = ClientRepository(seeded).list()
    with pytest.raises(InvalidClientData) as info:
        import_clients_csv(seeded, path)
    assert (info.value.line, info.value.column, info.value.code) == (4, column, "invalid_client_data")
    assert "line 4" in info.value.message and column in info.value.message
    assert ClientRepository(seeded).list() == before


def test_import_rejects_duplicate_ids(seeded: Database, tmp_path: Path, data_dir: Path) -> None:
    """A CSV listing the same client twice is imported (the second row silently wins)."""
    lines = (data_dir / "clients.csv").read_text().splitlines()
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([lines[0], lines[1], lines[2], lines[1]]) + "\n")
    with pytest.raises(InvalidClientData, match="line 4.*duplicate of line 2"):
        import_clients_csv(seeded, path)


def test_ensure_seeded_seeds_once(db: Database, data_dir: Path) -> None:
    """ensure_seeded does not seed an empty DB, or re-imports the CSV into an already seeded one."""
    first = ensure_seeded(db, data_dir)
    assert first is not None and first.clients_added >= 40
    edit_client(data_dir / "clients.csv", "C-1001", name="Should Not Be Imported")
    assert ensure_seeded(db, data_dir) is None
    assert ClientRepository(db).get("C-1001").name != "Should Not Be Imported"


# --- reading -------------------------------------------------------------------------------------


def test_get_normalises_ids_and_reports_unknown(seeded: Database) -> None:
    """Client lookup is case/blank sensitive, or unknown/malformed ids do not raise client_not_found."""
    clients = ClientRepository(seeded)
    assert clients.get(" c-1001 ").id == "C-1001"
    with pytest.raises(ClientNotFound) as info:
        clients.get("C-9999")
    assert info.value.code == "client_not_found" and "C-9999" in info.value.message
    with pytest.raises(ClientNotFound) as info:
        clients.get("DROP TABLE clients; --" + "x" * 500)
    assert "x" * 41 not in info.value.message and len(info.value.message) < 80


# --- interactions --------------------------------------------------------------------------------


def test_record_stores_interaction(interactions: InteractionRepository, seeded: Database) -> None:
    """A valid interaction is not stored, or comes back with other values / a naive timestamp."""
    first = interactions.record(refund(client_id=" c-2002 ", typification="ref-01"))
    second = interactions.record(refund(summary="Follow-up call.", channel="phone", amount=None))
    assert first.id and first.client_id == "C-2002" and first.typification == "REF-01"
    assert first.amount == pytest.approx(120.5) and first.requires_approval is True
    assert first.created_at.tzinfo is not None and first.created_at.utcoffset() == UTC.utcoffset(None)
    history = interactions.for_client("C-2002")
    assert [i.id for i in history] == [second.id, first.id]
    assert history[1] == first
    assert interactions.for_client("C-1001") == []


@pytest.mark.parametrize(
    ("item", "error"),
    [
        (lambda: refund(typification="XYZ-99"), InvalidClientData),
        (lambda: refund(client_id="C-9999"), ClientNotFound),
        (lambda: refund(client_id="not an id"), ClientNotFound),
        (lambda: InteractionIn.model_construct(**(refund().model_dump() | {"amount": -1.0})), InvalidClientData),
        (lambda: InteractionIn.model_construct(**(refund().model_dump() | {"amount": 2e6})), InvalidClientData),
        (lambda: InteractionIn.model_construct(**(refund().model_dump() | {"channel": "fax"})), InvalidClientData),
        (lambda: InteractionIn.model_construct(**(refund().model_dump() | {"summary": "x" * 2001})), InvalidClientData),
    ],
    ids=[
        "unknown-code",
        "unknown-client",
        "malformed-client",
        "negative-amount",
        "huge-amount",
        "bad-channel",
        "long-summary",
    ],
)
def test_record_rejects_invalid_interactions(
    interactions: InteractionRepository, seeded: Database, item: object, error: type[Exception]
) -> None:
    """An invalid interaction is stored, or fails with an error the edges cannot map."""
    with pytest.raises(error):
        interactions.record(item())  # type: ignore[operator]
    assert count(seeded, InteractionRow) == 0


def test_interaction_model_rejects_out_of_range_values() -> None:
    """InteractionIn lets a negative amount, an unknown channel or an over-long summary through."""
    for bad in ({"amount": -0.01}, {"amount": 1_000_001}, {"channel": "fax"}, {"summary": "x" * 2001}):
        with pytest.raises(ValidationError):
            refund(**bad)


# --- constraints --------------------------------------------------------------------------------------


def test_database_enforces_interaction_foreign_key(seeded: Database) -> None:
    """The database accepts an interaction for a client that does not exist (FK not enforced)."""
    row = InteractionRow(client_id="C-0000", channel="email", typification="REF-01", summary="x", created_by="t")
    with pytest.raises(IntegrityError), seeded.session() as session:
        session.add(row)


def test_seed_reports_missing_files(db: Database, tmp_path: Path) -> None:
    """A data dir without the CSV files crashes with a raw OSError instead of a config_error."""
    with pytest.raises(ConfigError):
        seed_from_data(db, tmp_path / "nowhere")
