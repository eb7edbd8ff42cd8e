from relais.core.wording import count_of


def test_french_counts_keep_zero_and_one_in_the_singular():
    assert [count_of(n, "jour") for n in (0, 1, 2, 30)] == ["0 jour", "1 jour", "2 jours", "30 jours"]
    assert count_of(3, "pièce reçue", "pièces reçues") == "3 pièces reçues"
