"""Tonality: sentiment analysis for Russian and English."""

__version__ = "0.1.0"
