"""What writing an export loads into the process: neither numpy nor a plotting library,
whose memory would stay with the application for the rest of its run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_workbook_and_a_report_are_written_without_numpy(tmp_path: Path) -> None:
    # A fresh interpreter: this test process may have loaded numpy already (scipy, openpyxl).
    script = textwrap.dedent(
        """
        import sys
        from datetime import date
        from pathlib import Path

        from outreach.exports.html_writer import write_html
        from outreach.exports.rows import MONTH
        from outreach.exports.table import AggregateTable, ExportPeriod
        from outreach.exports.xlsx_writer import write_xlsx
        from outreach.rules.disclosure import NHS_HES_2018

        period = ExportPeriod("2024-Q3", "quarter", "2024-07", "2024-09")
        table = AggregateTable("HMP Test", "cervical-screening", "Cervical screening", period,
                               date(2024, 10, 15))
        table.rate("coverage", 45, 50, initial_population=50)
        table.rate("coverage_trend", 45, 50, MONTH, "2024-09")
        summary = table.publish(NHS_HES_2018)
        out = Path(sys.argv[1])
        write_xlsx(summary, out / "summary.xlsx")
        write_html(summary, out / "report.html")
        print(sorted(m for m in ("numpy", "matplotlib") if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        check=True,
    )
    assert done.stdout.strip() == "[]"
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "summary.xlsx")
    assert book.sheetnames == ["Summary", "Trend", "Breakdowns", "Notes"]
    assert "<svg" in (tmp_path / "report.html").read_text(encoding="utf-8")
