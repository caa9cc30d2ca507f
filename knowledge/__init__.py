"""Curated knowledge: entries, county parameters, and the retrieval index that matches questions to them."""
