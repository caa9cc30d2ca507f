"""Anju (安居助手): resident-service assistant for housing expropriation."""
