"""The nine phase ids of SPEC §1 in canonical order, written out once for the tests (the
default rules must agree with it: tests/rules/test_rules.py checks)."""

PHASES = (
    "problem_definition",
    "data_acquisition",
    "data_preparation",
    "model_development",
    "model_deployment",
    "monitoring",
    "management",
    "scalability",
    "governance_compliance",
)
