"""CRM records: the rest of a customer (address, industry, tags, assigned staff, licence review, opt-outs),
of a vehicle (transmission, engine number, insurer, warranty, mileage history), closed and corrected visits,
the service-item catalogue, and who recorded and handles a follow-up.

Foreign keys added to existing tables are named (the metadata's naming convention) so that the downgrade can
drop them. Columns are added in place (on SQLite with their key declared in the ALTER TABLE): only the
small follow-ups table is rebuilt, for its NOT NULL ``updated_at``. Visits that were "completed" before
this revision keep ``closed_at`` NULL: their status already makes them closed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

from ctid.storage.db import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_CUSTOMER_USER_FK = "fk_customers_assigned_user_id_users"
_VISIT_CORRECTS_FK = "fk_visits_corrects_visit_id_visits"
_VISIT_CREATOR_FK = "fk_visits_created_by_users"
_ITEM_CATALOGUE_FK = "fk_visit_items_catalogue_item_id_service_catalogue"
_FOLLOW_UP_FKS = (
    ("fk_follow_ups_recorder_id_users", "recorder_id", "users"),
    ("fk_follow_ups_handler_id_users", "handler_id", "users"),
    ("fk_follow_ups_visit_id_visits", "visit_id", "visits"),
)


def upgrade() -> None:
    _new_tables()
    _add("customers", sa.Column("address", sa.Text, nullable=False, server_default=""))
    _add("customers", sa.Column("industry", sa.String(32), nullable=False, server_default=""))
    _add("customers", sa.Column("tags", sa.Text, nullable=False, server_default=""))
    _add("customers", sa.Column("assigned_user_id", sa.Integer, nullable=True), _CUSTOMER_USER_FK, "users")
    _add("customers", sa.Column("licence_review_on", sa.Date, nullable=True))
    op.create_index("ix_customers_assigned_user_id", "customers", ["assigned_user_id"])
    _add("vehicles", sa.Column("transmission", sa.String(16), nullable=False, server_default=""))
    _add("vehicles", sa.Column("engine_number", sa.String(32), nullable=False, server_default=""))
    _add("vehicles", sa.Column("insurer", sa.String(64), nullable=False, server_default=""))
    _add("vehicles", sa.Column("warranty_expiry", sa.Date, nullable=True))
    _add("visits", sa.Column("closed_at", UtcDateTime, nullable=True))
    _add(
        "visits",
        sa.Column("corrects_visit_id", sa.Integer, nullable=True),
        _VISIT_CORRECTS_FK,
        "visits",
        None,
    )
    _add("visits", sa.Column("created_by", sa.Integer, nullable=True), _VISIT_CREATOR_FK, "users")
    _add("visit_items", sa.Column("kind", sa.String(16), nullable=False, server_default="service"))
    _add(
        "visit_items",
        sa.Column("catalogue_item_id", sa.Integer, nullable=True),
        _ITEM_CATALOGUE_FK,
        "service_catalogue",
    )
    _follow_ups()


def _add(
    table: str,
    column: sa.Column[object],
    fk: str | None = None,
    target: str = "",
    ondelete: str | None = "SET NULL",
) -> None:
    """Add a column where it stands. On SQLite a key to another table is declared with the column
    (``ALTER TABLE ... ADD COLUMN ... REFERENCES``): SQLite cannot add a constraint later, and batch mode
    would copy the whole table, minutes and gigabytes of log for a dealer group's million customers."""
    if fk is None:
        op.add_column(table, column)
    elif op.get_bind().dialect.name == "sqlite":
        action = f" ON DELETE {ondelete}" if ondelete else ""
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column.name} INTEGER "
            f"CONSTRAINT {fk} REFERENCES {target} (id){action}"
        )
    else:
        op.add_column(table, column)
        op.create_foreign_key(fk, table, target, [column.name], ["id"], ondelete=ondelete)


def _new_tables() -> None:
    op.create_table(
        "customer_opt_outs",
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("contact_type", sa.String(16), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "vehicle_mileage",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("vehicle_id", sa.Integer, sa.ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("mileage_km", sa.Integer, nullable=False),
        sa.Column("read_on", sa.Date, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("correction", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_vehicle_mileage_vehicle_id_read_on", "vehicle_mileage", ["vehicle_id", "read_on"])
    op.create_table(
        "service_catalogue",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("category", sa.String(32), nullable=False, server_default=""),
        sa.Column("price", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("code", name="uq_service_catalogue_code"),
    )


def _follow_ups() -> None:
    """``updated_at`` is NOT NULL: added nullable, filled from ``created_at``, then tightened (with a default
    so that writers that predate it, the demo and the importers, still insert)."""
    with op.batch_alter_table("follow_ups") as batch:
        batch.add_column(sa.Column("recorder_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("handler_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("result", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("visit_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("updated_at", UtcDateTime, nullable=True))
        batch.add_column(sa.Column("closed_at", UtcDateTime, nullable=True))
        for name, column, table in _FOLLOW_UP_FKS:
            batch.create_foreign_key(name, table, [column], ["id"], ondelete="SET NULL")
        batch.create_index("ix_follow_ups_status_due_on", ["status", "due_on"])
        batch.create_index("ix_follow_ups_handler_id_status", ["handler_id", "status"])
    op.execute("UPDATE follow_ups SET updated_at = created_at")
    with op.batch_alter_table("follow_ups") as batch:
        batch.alter_column(
            "updated_at",
            existing_type=UtcDateTime,
            nullable=False,
            server_default=sa.text("CURRENT_TIMESTAMP"),
        )


def _drop_key(batch: BatchOperations, name: str) -> None:
    """SQLite does not name a key declared with its column: rebuilding the table without the column
    drops it there."""
    if op.get_bind().dialect.name != "sqlite":
        batch.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("follow_ups") as batch:
        batch.drop_index("ix_follow_ups_handler_id_status")
        batch.drop_index("ix_follow_ups_status_due_on")
        for name, _column, _table in _FOLLOW_UP_FKS:
            batch.drop_constraint(name, type_="foreignkey")
        for column in ("closed_at", "updated_at", "visit_id", "result", "handler_id", "recorder_id"):
            batch.drop_column(column)
    with op.batch_alter_table("visit_items") as batch:
        _drop_key(batch, _ITEM_CATALOGUE_FK)
        batch.drop_column("catalogue_item_id")
        batch.drop_column("kind")
    with op.batch_alter_table("visits") as batch:
        _drop_key(batch, _VISIT_CREATOR_FK)
        _drop_key(batch, _VISIT_CORRECTS_FK)
        for column in ("created_by", "corrects_visit_id", "closed_at"):
            batch.drop_column(column)
    with op.batch_alter_table("vehicles") as batch:
        for column in ("warranty_expiry", "insurer", "engine_number", "transmission"):
            batch.drop_column(column)
    with op.batch_alter_table("customers") as batch:
        batch.drop_index("ix_customers_assigned_user_id")
        _drop_key(batch, _CUSTOMER_USER_FK)
        for column in ("licence_review_on", "assigned_user_id", "tags", "industry", "address"):
            batch.drop_column(column)
    for table in ("service_catalogue", "vehicle_mileage", "customer_opt_outs"):
        op.drop_table(table)
