"""Posting Verifier: decides whether a job posting is authentic, with evidence."""

__version__ = "0.1.0"
