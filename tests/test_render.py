"""Long texts are split cleanly, never tearing a customer's block across two messages; amounts
sold by weight read "approx." in every language until weighed."""

from __future__ import annotations

from rekobot.i18n import use_locale
from rekobot.models import PriceBasis, line_amount
from rekobot.render import (
    amount_text,
    esc,
    estimated_unit,
    price_text,
    split_message,
    weight_text,
)
from tests.fakes.calls import plain


def test_a_short_text_is_one_message() -> None:
    assert split_message("hei") == ["hei"]


def test_blocks_stay_whole_and_every_part_fits() -> None:
    blocks = [
        f"<b>#{n} Kari</b>\n" + "\n".join(f"• 2 × Egg {i}" for i in range(5)) for n in range(400)
    ]
    text = "\n\n".join(blocks)

    parts = split_message(text, 4096)

    assert len(parts) > 1
    assert all(len(part) <= 4096 for part in parts)
    assert "\n\n".join(parts) == text
    for part in parts:
        assert part.startswith("<b>#") and part.count("<b>") == part.count("</b>")


def test_a_single_huge_line_is_cut_to_the_limit() -> None:
    parts = split_message("x" * 10_000, 4096)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_user_text_is_escaped_for_html() -> None:
    assert esc("<b>Gård & co</b>") == "&lt;b&gt;Gård &amp; co&lt;/b&gt;"


# --- amounts sold by weight: "approx." until weighed ------------------------------------------


def test_an_estimate_reads_approx_in_each_language() -> None:
    seen = {}
    for locale in ("nb", "nn", "en", "sv", "fi", "da"):
        with use_locale(locale):
            seen[locale] = plain(amount_text(57800, "NOK", estimated=True))
    assert seen == {
        "nb": "ca. 578,00 kr",
        "nn": "ca. 578,00 kr",
        "en": "approx. NOK578.00",
        "sv": "ca 578,00 Nkr",
        "fi": "n. 578,00 NOK",
        "da": "ca. 578,00 NOK",
    }
    with use_locale("nb"):
        assert plain(amount_text(57800, "NOK")) == "578,00 kr"  # a final amount is plain money


def test_weights_and_prices_per_measure_are_written_the_local_way() -> None:
    with use_locale("nb"):
        assert plain(weight_text(2000, 2000, PriceBasis.KG)) == "2 kg"
        assert plain(weight_text(1800, 2200, PriceBasis.KG)) == "1,8–2,2 kg"
        assert plain(weight_text(800, 1200, PriceBasis.KG)) == "800 g–1,2 kg"
        assert plain(weight_text(300, None, PriceBasis.HECTOGRAM)) == "300 g"
        assert plain(weight_text(750, None, PriceBasis.LITRE)) == "0,75 l"
        assert plain(price_text(28900, PriceBasis.KG, "NOK")) == "289,00 kr/kg"
        assert plain(price_text(3500, PriceBasis.HECTOGRAM, "NOK")) == "35,00 kr/100 g"
        assert plain(price_text(4500, PriceBasis.UNIT, "NOK")) == "45,00 kr"
        assert plain(estimated_unit(1800, 2200, PriceBasis.KG)) == "ca. 1,8–2,2 kg"
    with use_locale("fi"):
        assert plain(price_text(1290, PriceBasis.KG, "EUR")) == "12,90 €/kg"
        assert plain(estimated_unit(1500, 1500, PriceBasis.KG)) == "n. 1,5 kg"


def test_a_weight_line_is_rounded_once_to_whole_minor_units() -> None:
    # 289 kr/kg: two legs reckoned at 2 kg each, then weighed at 4,3 kg together.
    assert line_amount(28900, PriceBasis.KG, 2, 2000) == 115600
    assert line_amount(28900, PriceBasis.KG, 2, 2000, weighed_grams=4300) == 124270
    assert line_amount(28900, PriceBasis.KG, 1, 2000, weighed_grams=2051) == 59274  # 592,739
    assert line_amount(3500, PriceBasis.HECTOGRAM, 3, 250) == 26250
    assert line_amount(4500, PriceBasis.UNIT, 3, None) == 13500
