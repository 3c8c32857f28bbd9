"""Widgets of the aims TUI."""
