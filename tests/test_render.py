"""Long texts are split cleanly, never tearing a customer's block across two messages."""

from __future__ import annotations

from rekobot.render import esc, split_message


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
