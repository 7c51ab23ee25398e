"""E-mail (SPEC §9): messages, who gets what, sending with its log, reminders."""
