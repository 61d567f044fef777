"""Prospects (潜客) and their visits, the dealer's base data (crm_options, seeded with common Chinese values),
announcements for the start page, and the indexes the start page reads by date.

The start page asks "whose birthday is today" and "which vehicles are due soon" of a branch with up to a
million customers: ``customers (branch_id, birthday)`` answers the birthdays as an IN list of dates (one
per birth year, see ctid.home.days), and one ``vehicles (branch_id, <date>)`` index per due date answers
each date range. Creating them reads each table once (seconds at a million rows); no table is rebuilt.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPTIONS: dict[str, tuple[str, ...]] = {
    "level": ("H", "A", "B", "C"),  # H: buys within 7 days, A: 15, B: 30, C: later
    "source": ("来电", "到店", "网络", "转介绍", "车展", "老客户增购"),
    "competitor_model": ("丰田凯美瑞", "本田雅阁", "大众帕萨特", "日产天籁", "比亚迪汉", "特斯拉Model 3"),
    "industry": ("政府机关", "教育", "医疗", "金融", "制造业", "IT互联网", "商贸", "个体经营", "其他"),
    "focus_point": ("价格", "油耗", "空间", "安全", "品牌", "售后", "外观", "动力", "配置", "续航"),
    "desired_model": ("轿车", "SUV", "MPV", "新能源"),
    "lost_reason": ("价格原因", "购买竞品", "暂缓购买", "联系不上", "资金问题", "其他"),
    "follow_up_category": ("首次回访", "邀约到店", "试驾回访", "报价跟进", "成交回访"),
}
_DUE_DATES = ("insurance_expiry", "inspection_due", "next_service_due")


def upgrade() -> None:
    options = op.create_table(
        "crm_options",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.UniqueConstraint("kind", "value", name="uq_crm_options_kind_value"),
    )
    rows = [
        {"kind": kind, "value": value, "position": (i + 1) * 10, "active": True}
        for kind, values in OPTIONS.items()
        for i, value in enumerate(values)
    ]
    op.bulk_insert(options, rows)
    _prospects()
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("branch_id", sa.Integer, sa.ForeignKey("branches.id", ondelete="CASCADE"), nullable=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=True),
    )
    op.create_index("ix_announcements_expires_on", "announcements", ["expires_on"])
    op.create_index("ix_customers_branch_id_birthday", "customers", ["branch_id", "birthday"])
    for column in _DUE_DATES:
        op.create_index(f"ix_vehicles_branch_id_{column}", "vehicles", ["branch_id", column])


def _prospects() -> None:
    op.create_table(
        "prospects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("branch_id", sa.Integer, sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False, server_default=""),
        sa.Column("phone_e164", sa.String(20), nullable=True),
        sa.Column("level", sa.String(64), nullable=False, server_default=""),
        sa.Column("source", sa.String(64), nullable=False, server_default=""),
        sa.Column("industry", sa.String(64), nullable=False, server_default=""),
        sa.Column("desired_model", sa.String(64), nullable=False, server_default=""),
        sa.Column("competitor_model", sa.String(64), nullable=False, server_default=""),
        sa.Column("focus_points", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="registered"),
        sa.Column("lost_reason", sa.String(64), nullable=False, server_default=""),
        sa.Column(
            "assigned_user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("reviewed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("reviewed_at", UtcDateTime, nullable=True),
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_prospects_branch_id_status", "prospects", ["branch_id", "status"])
    op.create_index("ix_prospects_assigned_user_id_status", "prospects", ["assigned_user_id", "status"])
    op.create_index("ix_prospects_phone_e164", "prospects", ["phone_e164"])
    op.create_table(
        "prospect_visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "prospect_id", sa.Integer, sa.ForeignKey("prospects.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("content", sa.Text, nullable=False, server_default=""),
        sa.Column("next_on", sa.Date, nullable=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_prospect_visits_prospect_id_at", "prospect_visits", ["prospect_id", "at"])


def downgrade() -> None:
    for column in _DUE_DATES:
        op.drop_index(f"ix_vehicles_branch_id_{column}", table_name="vehicles")
    op.drop_index("ix_customers_branch_id_birthday", table_name="customers")
    for table in ("announcements", "prospect_visits", "prospects", "crm_options"):
        op.drop_table(table)
