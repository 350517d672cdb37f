"""Git-style trailers: which paragraph counts, folding, case-insensitive keys."""

from __future__ import annotations

import pytest

from miner.classify.trailers import parse_trailers, split_message, strip_trailers, trailer_values


def test_trailers_of_the_last_paragraph() -> None:
    message = "Add drift check\n\nBody text.\n\nMLOps-Phase: monitoring\nSigned-off-by: A <a@x>\n"
    assert parse_trailers(message) == (
        ("MLOps-Phase", "monitoring"),
        ("Signed-off-by", "A <a@x>"),
    )
    assert strip_trailers(message) == "Add drift check\n\nBody text."


def test_continuation_lines_are_folded() -> None:
    message = "Subject\n\nMLOps-Reason: drift,\n  data_issue\nTicket: 7"
    assert parse_trailers(message) == (("MLOps-Reason", "drift, data_issue"), ("Ticket", "7"))


def test_keys_compare_case_insensitively_and_values_split_on_commas() -> None:
    trailers = (("mlops-phase", "a, b"), ("Other", "x"), ("MLOPS-PHASE", " c ,"))
    assert trailer_values(trailers, "MLOps-Phase") == ("a", "b", "c")
    assert trailer_values(trailers, "missing") == ()


@pytest.mark.parametrize(
    "message",
    [
        "MLOps-Phase: monitoring",  # the subject is never a trailer block
        "Subject\n\nNot a trailer line\nMLOps-Phase: monitoring",  # mixed, no git trailer
        "Subject\n\nfix the thing: it broke",  # a key with spaces is not a trailer
        "Subject\n\nBody\n\n",
    ],
)
def test_paragraphs_that_are_not_trailer_blocks(message: str) -> None:
    assert parse_trailers(message) == ()


def test_git_generated_trailer_allows_other_lines_like_git() -> None:
    message = "Subject\n\nsome note\nSigned-off-by: A <a@x>\nMLOps-Phase: management"
    assert parse_trailers(message) == (("Signed-off-by", "A <a@x>"), ("MLOps-Phase", "management"))
    many_others = "Subject\n\n" + "note\n" * 7 + "Signed-off-by: A <a@x>"
    assert parse_trailers(many_others) == ()


def test_comment_lines_and_trailing_blank_lines_are_dropped() -> None:
    message = "Subject\n\nBody\n\nMLOps-Phase: data_preparation\n\n# Please enter the message\n"
    assert split_message(message) == ("Subject\n\nBody", (("MLOps-Phase", "data_preparation"),))
