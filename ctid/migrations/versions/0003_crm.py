"""CRM: customers, their phones, vehicles and who drives them, service visits and items, follow-ups.

Money columns (visits.amount, visit_items.price) hold integer fen; ctid.crm.tables.Money reads them as yuan.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("branch_id", sa.Integer, sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("gender", sa.String(8), nullable=True),
        sa.Column("birthday", sa.Date, nullable=True),
        sa.Column("level", sa.String(16), nullable=False, server_default=""),
        sa.Column("source", sa.String(32), nullable=False, server_default=""),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_customers_branch_id_name", "customers", ["branch_id", "name"])
    op.create_table(
        "customer_phones",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("e164", sa.String(20), nullable=True),
        sa.Column("label", sa.String(16), nullable=False, server_default=""),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index(
        "ix_customer_phones_e164_customer_id", "customer_phones", ["e164", "customer_id"], unique=True
    )
    op.create_index("ix_customer_phones_customer_id_position", "customer_phones", ["customer_id", "position"])
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("branch_id", sa.Integer, sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("vin", sa.String(17), nullable=True),
        sa.Column("brand", sa.String(32), nullable=False, server_default=""),
        sa.Column("model", sa.String(64), nullable=False, server_default=""),
        sa.Column("colour", sa.String(16), nullable=False, server_default=""),
        sa.Column("mileage_km", sa.Integer, nullable=True),
        sa.Column("purchase_date", sa.Date, nullable=True),
        sa.Column("registration_date", sa.Date, nullable=True),
        sa.Column("insurance_expiry", sa.Date, nullable=True),
        sa.Column("inspection_due", sa.Date, nullable=True),
        sa.Column("next_service_due", sa.Date, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("branch_id", "plate", name="uq_vehicles_branch_id_plate"),
        sa.UniqueConstraint("vin", name="uq_vehicles_vin"),
    )
    op.create_table(
        "customer_vehicles",
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "vehicle_id", sa.Integer, sa.ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("role", sa.String(16), primary_key=True),
    )
    op.create_index("ix_customer_vehicles_vehicle_id", "customer_vehicles", ["vehicle_id"])
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("vehicle_id", sa.Integer, sa.ForeignKey("vehicles.id"), nullable=False),
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("mileage_km", sa.Integer, nullable=True),
        sa.Column("amount", sa.Integer, nullable=False, server_default="0"),
        sa.Column("advisor", sa.String(64), nullable=False, server_default=""),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="completed"),
    )
    op.create_index("ix_visits_customer_id_visited_on", "visits", ["customer_id", "visited_on"])
    op.create_index("ix_visits_vehicle_id_visited_on", "visits", ["vehicle_id", "visited_on"])
    op.create_table(
        "visit_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("visits.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("price", sa.Integer, nullable=False, server_default="0"),
        sa.Column("quantity", sa.Integer, nullable=False, server_default="1"),
    )
    op.create_index("ix_visit_items_visit_id", "visit_items", ["visit_id"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False, server_default=""),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("content", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_follow_ups_customer_id_status", "follow_ups", ["customer_id", "status"])


def downgrade() -> None:
    for table in (
        "follow_ups",
        "visit_items",
        "visits",
        "customer_vehicles",
        "vehicles",
        "customer_phones",
        "customers",
    ):
        op.drop_table(table)
