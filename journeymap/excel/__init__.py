"""Excel for people, read back losslessly: the journey-map workbook and grid import.

    from journeymap.excel import export_workbook, import_workbook, read_grid
    data = export_workbook(store, workspace_id)            # .xlsx bytes
    res = import_workbook(store, data, by="Ana")           # our export: a new workspace
    res.workspace_id, res.map_ids, res.warnings

`export_json`/`import_json` (the lossless JSON backup) are re-exported from
`journeymap.backup`. openpyxl loads only when this package is imported.
"""

from journeymap.backup import export_json, import_json
from journeymap.excel.export import Export, build_workbook, export_workbook
from journeymap.excel.grid import GridNote, GridPreview, guess_kind
from journeymap.excel.importer import ImportResult, import_workbook, read_grid

__all__ = [
    "Export",
    "GridNote",
    "GridPreview",
    "ImportResult",
    "build_workbook",
    "export_json",
    "export_workbook",
    "guess_kind",
    "import_json",
    "import_workbook",
    "read_grid",
]
