"""The text a user reads: well-formed Markdown, no repeats, tables as tables, the source's artefacts gone."""

from __future__ import annotations

from assistant.answering.render import clean_piece, render
from assistant.answering.units import split_units


def test_pieces_of_one_block_read_as_a_paragraph_lists_and_tables_stay_whole() -> None:
    """A failure means sentences come one per line, list items lose their markers, or rows become "Key: value;"."""
    section = (
        "First sentence. Second one.\n\n- item one\n- item two\n\n"
        "| Tier | Window |\n|---|---|\n| A | 60 days |\n| B | 30 days |"
    )
    units = split_units(section)
    text = render([(1, u) for u in units])
    assert text == (
        "First sentence. Second one. [1]\n\n- item one [1]\n- item two [1]\n\n"
        "| Tier | Window |\n|---|---|\n| A | 60 days |\n| B | 30 days |\n\n[1]"
    )


def test_the_same_sentence_from_two_sections_is_said_once() -> None:
    """A failure means an answer repeats a sentence the playbook states in two places."""
    a = split_units("Refunds are paid in 5 days.")[0]
    b = split_units("**Refunds are paid in 5 days.**")[0]
    assert render([(1, a), (2, b)]) == "Refunds are paid in 5 days. [1]"


def test_unbalanced_emphasis_and_source_reference_numbers_are_removed() -> None:
    """A failure means raw "**" or the page's own "[5 ] [ 6]" markers reach the reader beside our [n] markers."""
    assert clean_piece("**1. Identify the client") == "1. Identify the client"
    assert clean_piece("See dmv.ny.gov [1]. Then apply [5 ] [ 6] online , today .") == (
        "See dmv.ny.gov. Then apply online, today."
    )
    assert clean_piece("Keep **bold** and [a link](http://x)") == "Keep **bold** and [a link](http://x)"
