"""The dashboards' reports: the Excel workbook of a dashboard's tables, the weekly email to each city
company's managers, and the printable monthly report with its PDF.

Every figure they hold comes from `dashboards.measures.engine.dashboard_panels(user, scope, period)`,
as the page's do, so a report and the page never disagree.
"""
