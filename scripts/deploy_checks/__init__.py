"""The checks behind scripts/check-deploy, one module per part of the deployment.

scripts/check-deploy parses its arguments, builds a Context and calls each
module's run(checks, ctx) in report order; a module's run() names every check
it reports and the top-level function that decides it. A check function
returns None or "" when the property holds and a sentence saying why it does
not otherwise; report.Checks turns an exception into a failure too.
"""
