"""Database: engine lifecycle, models and migrations."""
