"""CRM tables: customers and their phones, vehicles and who drives them, service visits, follow-ups.

Indexes serve the screen pop first: ``customer_phones (e164, customer_id)`` answers "who is calling" from
the index alone, ``visits (customer_id, visited_on)`` orders the candidates by their last visit, and every
part of a card is read by customer (or vehicle) id. Enumerations are checked by the service, not by CHECK
constraints: adding a status later must not rebuild a table of a million rows in SQLite.
"""

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ctid.storage.db import UtcDateTime, metadata

_FEN = Decimal("0.01")
NAME_KEY = String(255).with_variant(String(255, collation="C"), "postgresql")
"""A customer's name as lists sort it (ctid.crm.pinyin.sort_key): compared by code point on both backends
(a server's own collation, ICU Chinese in the tests, would order the Latin keys its own way)."""


class Money(TypeDecorator[Decimal]):
    """Yuan as ``Decimal`` in Python, integer fen in the database: exact on every backend (SQLite has no
    decimal type, and floats do not add up to the fen)."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(_FEN)


customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("gender", String(8), nullable=True),
    Column("birthday", Date, nullable=True),
    Column("level", String(16), nullable=False, server_default=""),
    Column("source", String(32), nullable=False, server_default=""),
    Column("notes", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("address", Text, nullable=False, server_default=""),
    Column("industry", String(32), nullable=False, server_default=""),
    Column("tags", Text, nullable=False, server_default=""),  # one tag a line
    Column("assigned_user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("licence_review_on", Date, nullable=True),  # 驾驶证审验
    # the birthday kept by the lunar calendar (农历生日, revision 0023): ``birthday`` is the solar birth date
    Column("birthday_lunar", Boolean, nullable=False, server_default="0"),
    # the reminders' e-mail channel (revision 0026): checked by ctid.crm.email_address; None: no address
    Column("email", String(254), nullable=True),
    # the list's order, pinyin (revision 0015): written with the search index (ctid.crm.search_store)
    Column("name_key", NAME_KEY, nullable=False, server_default=""),
    Index("ix_customers_branch_id_name", "branch_id", "name"),
    Index("ix_customers_branch_id_name_key", "branch_id", "name_key"),
    Index("ix_customers_assigned_user_id", "assigned_user_id"),
    Index("ix_customers_branch_id_birthday", "branch_id", "birthday"),  # the start page's birthdays
    Index("ix_customers_branch_id_licence_review_on", "branch_id", "licence_review_on"),  # the reminders'
)

customer_name_grams = Table(
    # The pieces of each customer's name that a one- or two-character query finds it by (ctid.crm.search
    # name_grams; written by ctid.crm.search_store with the search index): ``(gram, branch_id)`` gives a
    # branch's customers holding 伟 in id order, the first page read off the index, however many hold it.
    # Derived data with no foreign key, as the FTS index: PRAGMA foreign_key_check after every migration
    # would read its millions of rows. No rowid (SQLite): the key is the table, in customer order, so
    # rewriting a customer's grams and filling the table in id order touch neighbouring pages.
    "customer_name_grams",
    metadata,
    Column("customer_id", Integer, primary_key=True, autoincrement=False),
    Column("gram", String(2), primary_key=True),
    Column("branch_id", Integer, nullable=False),
    Index("ix_customer_name_grams_gram", "gram", "branch_id", "customer_id"),
    sqlite_with_rowid=False,
)

customer_merges = Table(
    # A customer merged into another is deleted once its records moved (ctid.merging); this row leads its
    # old id (a bookmark, a link in the audit log) to the one kept. Kept one hop deep: merging the kept
    # customer later points these rows at the new one too.
    "customer_merges",
    metadata,
    Column("merged_id", Integer, primary_key=True, autoincrement=False),
    Column("kept_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("merged_at", UtcDateTime, nullable=False),
    Column("merged_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Index("ix_customer_merges_kept_id", "kept_id"),
)

customer_opt_outs = Table(
    "customer_opt_outs",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_type", String(16), primary_key=True),
    Column("reason", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
)

customer_phones = Table(
    "customer_phones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("number", String(40), nullable=False),
    Column("e164", String(20), nullable=True),
    Column("label", String(16), nullable=False, server_default=""),
    Column("position", Integer, nullable=False, server_default="0"),
    Index("ix_customer_phones_e164_customer_id", "e164", "customer_id", unique=True),
    Index("ix_customer_phones_customer_id_position", "customer_id", "position"),
)

vehicles = Table(
    "vehicles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("vin", String(17), nullable=True),
    Column("brand", String(32), nullable=False, server_default=""),
    Column("model", String(64), nullable=False, server_default=""),
    Column("colour", String(16), nullable=False, server_default=""),
    Column("mileage_km", Integer, nullable=True),
    Column("purchase_date", Date, nullable=True),
    Column("registration_date", Date, nullable=True),
    Column("insurance_expiry", Date, nullable=True),
    Column("inspection_due", Date, nullable=True),
    Column("next_service_due", Date, nullable=True),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("transmission", String(16), nullable=False, server_default=""),
    Column("engine_number", String(32), nullable=False, server_default=""),
    Column("insurer", String(64), nullable=False, server_default=""),
    Column("warranty_expiry", Date, nullable=True),
    UniqueConstraint("branch_id", "plate", name="uq_vehicles_branch_id_plate"),
    UniqueConstraint("vin", name="uq_vehicles_vin"),
    # the start page's due reminders: one date range per due date
    Index("ix_vehicles_branch_id_insurance_expiry", "branch_id", "insurance_expiry"),
    Index("ix_vehicles_branch_id_registration_date", "branch_id", "registration_date"),  # inspections
    Index("ix_vehicles_branch_id_inspection_due", "branch_id", "inspection_due"),
    Index("ix_vehicles_branch_id_next_service_due", "branch_id", "next_service_due"),
    Index("ix_vehicles_branch_id_warranty_expiry", "branch_id", "warranty_expiry"),  # the reminders'
    Index("ix_vehicles_updated_at", "updated_at"),  # the maintenance projection's changed vehicles
)

vehicle_mileage = Table(
    "vehicle_mileage",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=False),
    Column("mileage_km", Integer, nullable=False),
    Column("read_on", Date, nullable=False),
    Column("source", String(16), nullable=False),  # visit / manual / import
    Column("correction", Boolean, nullable=False, server_default="0"),  # may be lower than the one before
    Column("visit_id", Integer, ForeignKey("visits.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_vehicle_mileage_vehicle_id_read_on", "vehicle_id", "read_on"),
)

customer_vehicles = Table(
    "customer_vehicles",
    metadata,
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), primary_key=True),
    Index("ix_customer_vehicles_vehicle_id", "vehicle_id"),
)

visits = Table(
    "visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="SET NULL"), nullable=True),
    Column("visited_on", Date, nullable=False),
    Column("mileage_km", Integer, nullable=True),
    Column("amount", Money, nullable=False, server_default="0"),
    Column("advisor", String(64), nullable=False, server_default=""),
    Column("notes", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False, server_default="completed"),
    Column("closed_at", UtcDateTime, nullable=True),  # NULL for visits completed before revision 0006
    Column("corrects_visit_id", Integer, ForeignKey("visits.id"), nullable=True),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Index("ix_visits_customer_id_visited_on", "customer_id", "visited_on"),
    Index("ix_visits_vehicle_id_visited_on", "vehicle_id", "visited_on"),
    Index("ix_visits_closed_at", "closed_at"),  # the reminders' follow-up calls
)

visit_items = Table(
    "visit_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", Integer, ForeignKey("visits.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("price", Money, nullable=False, server_default="0"),
    Column("quantity", Integer, nullable=False, server_default="1"),
    Column("kind", String(16), nullable=False, server_default="service"),  # service / part
    Column(
        "catalogue_item_id", Integer, ForeignKey("service_catalogue.id", ondelete="SET NULL"), nullable=True
    ),
    Index("ix_visit_items_visit_id", "visit_id"),
)

service_catalogue = Table(
    "service_catalogue",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("category", String(32), nullable=False, server_default=""),
    Column("price", Money, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("code", name="uq_service_catalogue_code"),
)

follow_ups = Table(
    "follow_ups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("category", String(32), nullable=False, server_default=""),
    Column("channel", String(16), nullable=False, server_default=""),
    Column("content", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("due_on", Date, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("recorder_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("handler_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("result", Text, nullable=False, server_default=""),
    Column("visit_id", Integer, ForeignKey("visits.id", ondelete="SET NULL"), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
    Column("closed_at", UtcDateTime, nullable=True),
    Index("ix_follow_ups_customer_id_status", "customer_id", "status"),
    Index("ix_follow_ups_status_due_on", "status", "due_on"),
    Index("ix_follow_ups_handler_id_status", "handler_id", "status"),
)
