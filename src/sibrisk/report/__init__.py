"""Reports: what the pipeline computed, for people and for other programs.

- :mod:`.catalogue`: the catalogue's tables and the risk summary as JSON-ready dicts
  and text; :mod:`.contracts`, :mod:`.design`, :mod:`.evidence`: the other reports;
- :mod:`.text`: blocks (headings, lines, tables) rendered as text or HTML;
- :mod:`.html`: the self-contained HTML report; :mod:`.workbook`,
  :mod:`.workbook_read`, :mod:`.sheets`: the Excel workbook out and back in;
- :mod:`.plot`, :mod:`.plotaxes`: matplotlib figures;
- :mod:`.labels`, :mod:`.language`: human labels and numbers in English and Danish;
- :mod:`.netcdf`: datasets saved to netCDF.

The names of sibrisk 0.1's ``sibrisk.report`` module load at first use.
"""

from .._lazy import exports

__getattr__, __dir__ = exports(__name__, {name: "catalogue" for name in (
    "catalogue_report", "format_catalogue_report", "catalogue_blocks", "format_risk_summary",
    "risk_blocks", "format_settlement", "settlement_blocks", "format_contract_risk",
    "contract_risk_blocks", "format_sensitivity", "format_sweep", "format_breakeven",
    "format_solution", "SummaryTable", "CATALOGUE_BREAKEVENS")})
