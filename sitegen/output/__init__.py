"""Render and write stages: paper pages, index pages, related papers, feeds, exports, on disk."""
