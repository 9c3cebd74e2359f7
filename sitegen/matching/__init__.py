"""Dedupe and reconcile stages: group the records of one paper, and give each paper its page."""
