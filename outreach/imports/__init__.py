"""The import pipeline: spreadsheets of people, conversations and screening events read,
checked and applied all-or-nothing, with the batch record that lets an import be undone.

- :mod:`~outreach.imports.pipeline`: the commands (``import_people``, ``import_file``...).
- :mod:`~outreach.imports.run`: one import's transaction, report, preview and problems.
- :mod:`~outreach.imports.files`, :mod:`~outreach.imports.values`: reading a file and its cells.
- :mod:`~outreach.imports.mapping`: headers to stored columns, and saved mappings.
- :mod:`~outreach.imports.people`, :mod:`~outreach.imports.conversations`,
  :mod:`~outreach.imports.screening`: the rows of each kind of file.
- :mod:`~outreach.imports.changes`, :mod:`~outreach.imports.undo`: what a batch changed, and
  undoing it.
- :mod:`~outreach.imports.codes`: every code a file may use, for ``outreach codes``.

The pipeline builds on the write use cases of :mod:`outreach.services`; nothing in
``services`` imports it.
"""
