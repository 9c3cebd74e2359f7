"""Enrich stage: find the arXiv ids of papers that have none, in the Papers API (and arXiv's).

It runs apart from the build, on demand (``sitegen enrich``): what it finds is
written as an ordinary source file, ``sources/enriched/papers-api.jsonl``, which
the next build merges into the existing pages like any other dump. So builds
stay offline and reproducible, the file is reviewed and committed like a dump,
and a paper found once is never asked for again.
"""
