"""Test doubles and helpers: real code, used like the production parts they stand in for."""
