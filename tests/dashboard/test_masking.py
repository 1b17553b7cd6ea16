"""The statistical-disclosure rule: each table below is what the export would show."""

import random

import pytest

from o2r.dashboard.masking import MASK, RULE_FR, suppress

M = MASK


def shown(values, **totals):
    flags = suppress(values, **totals)
    return [
        [MASK if hidden else value for value, hidden in zip(row, row_flags, strict=True)]
        for row, row_flags in zip(values, flags, strict=True)
    ]


def test_counts_from_1_to_4_are_masked_without_totals():
    assert shown([[0, 1, 4, 5], [2, 10, 3, 100]]) == [[0, M, M, 5], [M, 10, M, 100]]


def test_a_total_column_calls_for_the_smallest_positive_count_of_the_row():
    assert shown([[3, 9, 7, 12, 31]], total_column=True) == [[M, 9, M, 12, 31]]


def test_between_equal_counts_the_first_is_masked():
    assert shown([[2, 6, 6, 14]], total_column=True) == [[M, M, 6, 14]]


def test_a_total_row_calls_for_the_smallest_positive_count_of_the_column():
    assert shown([[8], [3], [6], [17]], total_row=True) == [[8], [M], [M], [17]]


def test_a_small_count_alone_among_zeros_masks_the_total():
    # With consistent sums the total then equals the small count, masked on its own account.
    assert shown([[0, 3, 0, 3]], total_column=True) == [[0, M, 0, M]]


def test_an_extra_count_alone_among_zeros_masks_the_total():
    values = [
        [2, 5, 9, 16],
        [7, 0, 8, 15],
        [6, 0, 10, 16],
        [15, 5, 27, 47],
    ]
    # Row 0 hides 5 for the 2; column 1 then has only zeros beside the 5, so its total 5 is
    # hidden; that calls for 15 in the total row, and so on until every line holds.
    assert shown(values, total_row=True, total_column=True) == [
        [M, M, 9, 16],
        [M, 0, M, 15],
        [M, 0, M, 16],
        [M, M, 27, 47],
    ]


def test_masking_in_a_row_cascades_to_the_columns():
    values = [
        [3, 8, 20, 31],
        [6, 9, 5, 20],
        [9, 17, 25, 51],
    ]
    # 3 hides 8 in its row; each of their columns then hides 6 and 9, which row 1 accepts.
    assert shown(values, total_row=True, total_column=True) == [
        [M, M, 20, 31],
        [M, M, 5, 20],
        [9, 17, 25, 51],
    ]


def test_cells_that_are_not_counts_are_left_alone():
    # The second column is a percentage: not masked, not chosen, not in the sum.
    assert shown([[3, None, 6, 9, 18]], total_column=True) == [[M, None, M, 9, 18]]
    assert shown([[3, None, None, 3]], total_column=True) == [[M, None, None, M]]


def test_a_total_that_is_not_a_count_calls_for_nothing():
    assert shown([[3, 9, None]], total_column=True) == [[M, 9, None]]


def test_zeros_are_shown():
    assert shown([[3, 0, 12, 15]], total_column=True) == [[M, 0, M, 15]]
    assert shown([[0, 0, 0], [0, 0, 0]], total_row=True, total_column=True) == [
        [0, 0, 0],
        [0, 0, 0],
    ]


def test_two_small_counts_in_a_row_need_no_extra():
    assert shown([[2, 3, 10, 15]], total_column=True) == [[M, M, 10, 15]]


def test_the_grand_total_closes_the_total_row_and_the_total_column():
    # The total row's 2 would be revealed by the corner 7: its 5 is masked too.
    assert shown([[2, 5, 7], [0, 0, 0], [2, 5, 7]], total_row=True, total_column=True) == [
        [M, M, 7],
        [0, 0, 0],
        [M, M, 7],
    ]
    # The total column's 3 would be revealed by the corner 18: its 15 is masked too.
    assert shown([[1, 2, 3], [6, 9, 15], [7, 11, 18]], total_row=True, total_column=True) == [
        [M, M, M],
        [M, M, M],
        [7, 11, 18],
    ]


def test_empty_and_one_cell_tables():
    assert suppress([], total_row=True, total_column=True) == []
    assert suppress([[]], total_row=True, total_column=True) == [[]]
    assert suppress([[4]], total_row=True, total_column=True) == [[True]]
    assert suppress([[40]], total_row=True, total_column=True) == [[False]]


def test_a_ragged_table_is_refused():
    with pytest.raises(ValueError, match="rectangular"):
        suppress([[1, 2], [3]])


def test_the_rule_is_written_in_french_with_the_mask():
    assert "entre 1 et 4" in RULE_FR
    assert f"« {MASK} »" in RULE_FR


def _random_table(rng):
    """Counts (small ones often), some columns of percentages, and the totals asked for."""
    height, width = rng.randint(1, 5), rng.randint(1, 5)
    not_counts = {j for j in range(width) if rng.random() < 0.15}
    values = [
        [
            None if j in not_counts else rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 13, 40])
            for j in range(width)
        ]
        for _ in range(height)
    ]
    total_row, total_column = rng.choice([(True, False), (False, True), (True, True)])
    if total_column:
        for row in values:
            row.append(sum(value for value in row if value is not None))
    if total_row:
        values.append(
            [None if column[0] is None else sum(column) for column in zip(*values, strict=True)]
        )
    return values, total_row, total_column


def _lines_with_a_total(height, width, total_row, total_column):
    """The cells of each line that ends with a total, the total last."""
    lines = []
    if total_column:
        lines += [[(i, j) for j in range(width)] for i in range(height)]
    if total_row:
        lines += [[(i, j) for i in range(height)] for j in range(width)]
    return lines


def test_no_masked_count_can_be_recomputed_from_a_total():
    rng = random.Random(20240601)
    extra_masks = 0
    for _ in range(500):
        values, total_row, total_column = _random_table(rng)
        masked = suppress(values, total_row=total_row, total_column=total_column)
        context = (values, total_row, total_column, masked)

        for row, row_masked in zip(values, masked, strict=True):
            for value, hidden in zip(row, row_masked, strict=True):
                if value is None or value == 0:
                    assert not hidden, context
                elif value < 5:
                    assert hidden, context
                elif hidden:
                    extra_masks += 1

        height, width = len(values), len(values[0])
        for *cells, (ti, tj) in _lines_with_a_total(height, width, total_row, total_column):
            if values[ti][tj] is None:
                continue
            hidden = [(i, j) for i, j in cells if masked[i][j]]
            assert len(hidden) != 1 or masked[ti][tj], context
    # The tables did call for the secondary suppression, not only the primary one.
    assert extra_masks > 100
