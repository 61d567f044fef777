"""The worklist's indexes end with the list's order (contact day, then the contact, then the id): a page
is read off the index in order and stops at its 50 rows, where the day's thousands of items were sorted
for every page (revision 0020's indexes ended at the contact day).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_OLD = {
    "ix_reminder_items_branch_id_status_contact_on": ["branch_id", "status", "contact_on"],
    "ix_reminder_items_status_contact_on": ["status", "contact_on"],
    "ix_reminder_items_assignee_id_status_contact_on": ["assignee_id", "status", "contact_on"],
}
_NEW = {
    "ix_reminder_items_worklist_branch": ["branch_id", "status", "contact_on", "contact_key"],
    "ix_reminder_items_worklist": ["status", "contact_on", "contact_key"],
    "ix_reminder_items_worklist_assignee": ["assignee_id", "status", "contact_on", "contact_key"],
}


def upgrade() -> None:
    for name in _OLD:
        op.drop_index(name, "reminder_items")
    for name, columns in _NEW.items():
        op.create_index(name, "reminder_items", columns)


def downgrade() -> None:
    for name in _NEW:
        op.drop_index(name, "reminder_items")
    for name, columns in _OLD.items():
        op.create_index(name, "reminder_items", columns)
