"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character over the first 17. No Django import."""

from __future__ import annotations

# The standard's 31-character set: digits and capitals without I, O, Z, S, V.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^(i) mod 31, i = 0…16


def check_character(first17: str) -> str:
    """The check character for the first 17 characters: C18 = 31 − (Σ Cᵢ·Wᵢ mod 31), with 31 written as 0."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when `code` is a well-formed 统一社会信用代码, else what is wrong (Chinese, for the form)."""
    code = code or ""
    if len(code) != 18:
        return "统一社会信用代码应为 18 位。"
    bad = sorted({c for c in code if c not in CHARSET})
    if bad:
        return f"含有不允许的字符：{''.join(bad)}（只用数字和大写字母，不用 I、O、Z、S、V）。"
    if check_character(code[:17]) != code[17]:
        return "校验位不正确，请核对代码。"
    return None
