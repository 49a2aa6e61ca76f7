"""Dialogs of the terminal application."""
