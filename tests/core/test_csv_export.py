"""The shared CSV writer keeps text that opens like a formula as text in the spreadsheet."""

from relais.core.csv_export import ExcelCsv


def test_formula_like_cells_get_an_apostrophe_and_numbers_do_not():
    writer = ExcelCsv(["Nom"])
    writer.writerow(["=1+1", "+33 1 23", "-x", "@cmd", "\tx", "\rx", "Dupont", -3, 2.5, ""])
    line = writer.response("x.csv").content.decode("utf-8-sig").split("\r\n")[1]
    assert line == "'=1+1;'+33 1 23;'-x;'@cmd;'\tx;\"'\rx\";Dupont;-3;2.5;"
