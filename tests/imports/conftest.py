"""Tests of importing CSV and XLSX files: mapping columns, people and activity, batches and
undo, wording of problems, and the import command. The sample files are in fixtures/."""
