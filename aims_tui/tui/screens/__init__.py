"""Screens of the aims TUI."""
