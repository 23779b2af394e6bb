"""Rewriting layer references in place: only the version digits change, every other byte stays."""
