"""Tag stage: topics from the taxonomy and from the curator's examples, and how well they agree."""
