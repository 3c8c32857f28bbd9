"""The headless core of aims. Never imports textual or reportlab."""
