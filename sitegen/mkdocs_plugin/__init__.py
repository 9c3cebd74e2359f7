"""The MkDocs side: the ``sitegen`` plugin, fast paper pages, the Pagefind index, the layouts."""
