"""The start page's day: birthdays, due reminders, today's calls, open complaints, announcements."""
