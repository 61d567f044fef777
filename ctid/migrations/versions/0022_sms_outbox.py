"""The SMS outbox and its templates: ``sms_messages`` (one row a message, written before it is sent, so a
killed daemon leaves a row that says which message may have gone), ``sms_parts`` (the provider's ids of each
sent message, which the delivery reports name) and ``sms_templates``, seeded with the presets a service desk
sends (insurance, inspection, maintenance, birthday, an appointment's confirmation and the day-before
reminder), none sent by itself until an admin switches it on.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# key, name, reminder type, lead days, text
PRESETS = (
    (
        "insurance",
        "续保提醒",
        "insurance",
        30,
        "尊敬的{customer}：您的爱车{plate}的保险将于{due_date}到期，请及时续保，"
        "如需办理请联系{shop}。回复TD退订",
    ),
    (
        "inspection",
        "年审提醒",
        "inspection",
        30,
        "尊敬的{customer}：您的爱车{plate}的年审将于{due_date}到期，请按时办理，{shop}可为您代办。回复TD退订",
    ),
    (
        "maintenance",
        "保养提醒",
        "maintenance",
        7,
        "尊敬的{customer}：您的爱车{plate}将于{due_date}前后到期保养，欢迎预约回厂，{shop}竭诚为您服务。回复TD退订",
    ),
    (
        "birthday",
        "生日祝福",
        "birthday",
        0,
        "尊敬的{customer}：{shop}全体员工祝您生日快乐，万事如意！回复TD退订",
    ),
    (
        "appointment_confirm",
        "预约确认",
        None,
        None,
        "尊敬的{customer}：您已预约{appointment_time}到{shop}为爱车{plate}服务，服务顾问{advisor}恭候您的光临。",
    ),
    (
        "appointment_reminder",
        "预约前一天提醒",
        None,
        1,
        "尊敬的{customer}：温馨提醒，您预约了{appointment_time}到{shop}为爱车{plate}服务，"
        "服务顾问{advisor}恭候您的光临。",
    ),
)


def upgrade() -> None:
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("branch_id", sa.Integer, sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("customer_id", sa.Integer, nullable=True),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("template_key", sa.String(40), nullable=True),
        sa.Column("template_code", sa.String(64), nullable=True),
        sa.Column("params", sa.Text, nullable=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_try_at", UtcDateTime, nullable=True),
        sa.Column("sender", sa.String(40), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.Column("delivered_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_sms_messages_customer_id", "sms_messages", ["customer_id"])
    op.create_index("ix_sms_messages_number", "sms_messages", ["number"])
    op.create_index("ix_sms_messages_status", "sms_messages", ["status", "next_try_at"])
    op.create_index("ix_sms_messages_branch_created", "sms_messages", ["branch_id", "created_at"])
    op.create_table(
        "sms_parts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "message_id", sa.Integer, sa.ForeignKey("sms_messages.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("sender", sa.String(40), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
    )
    op.create_index("ix_sms_parts_message_id", "sms_parts", ["message_id"])
    op.create_index("ix_sms_parts_provider", "sms_parts", ["sender", "provider_id"])
    templates = op.create_table(
        "sms_templates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("provider_code", sa.String(64), nullable=True),
        sa.Column("reminder_type", sa.String(32), nullable=True),
        sa.Column("lead_days", sa.Integer, nullable=True),
        sa.Column("auto_send", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.UniqueConstraint("key", name="uq_sms_templates_key"),
    )
    rows = [
        {"key": key, "name": name, "text": text, "reminder_type": kind, "lead_days": days, "auto_send": False}
        for key, name, kind, days, text in PRESETS
    ]
    op.bulk_insert(templates, [{**row, "active": True, "provider_code": None} for row in rows])


def downgrade() -> None:
    op.drop_table("sms_templates")
    op.drop_table("sms_parts")
    op.drop_table("sms_messages")
