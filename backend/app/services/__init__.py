"""Persistence and publishing helpers shared by the engine and the API routes."""
