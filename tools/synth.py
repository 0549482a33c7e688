"""Synthetic teachers and result values for credittool's samples and benchmarks.

Pure and deterministic: every function takes an explicit ``numpy.random.Generator``
and returns numpy arrays. Nothing here touches the file system. Used by
``samples/generate.py`` (the shipped sample county) and ``bench/generate.py``
(5,000 to 1,000,000 teachers), so the hot paths are vectorised.
"""

from __future__ import annotations

import numpy as np

# --- resident IDs (GB 11643-1999) -------------------------------------------------

# Jilin City (吉林市, 2202xx) county-level areas; 220282 is Huadian (桦甸市).
AREA_CODES = (220282, 220281, 220283, 220284, 220202, 220203, 220204, 220211, 220221)
AREA_WEIGHTS = (0.72, 0.05, 0.04, 0.04, 0.04, 0.03, 0.03, 0.02, 0.03)

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"
_CHECK_LUT = np.array(list(CHECK_CHARS))

BIRTH_START = "1960-01-01"
BIRTH_END = "1998-12-31"


def check_digit(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of an ID."""
    total = sum(int(c) * int(w) for c, w in zip(first17, ID_WEIGHTS))
    return CHECK_CHARS[total % 11]


def is_valid_id(value: str) -> bool:
    """True for a well-formed 18-character ID whose check character matches."""
    return (
        len(value) == 18
        and value[:17].isascii()
        and value[:17].isdigit()
        and value[17] == check_digit(value[:17])
    )


def _digits17(id17: np.ndarray) -> np.ndarray:
    """(n,) int64 17-digit numbers -> (n, 17) array of their decimal digits."""
    powers = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    return (id17[:, None] // powers[None, :]) % 10


def check_chars(id17: np.ndarray) -> np.ndarray:
    """Vectorised check character for an array of 17-digit integers."""
    return _CHECK_LUT[(_digits17(id17) @ ID_WEIGHTS) % 11]


def _birth_yyyymmdd(days: np.ndarray, start: str) -> np.ndarray:
    d = np.datetime64(start, "D") + days.astype("timedelta64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = d.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (d - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return year * 10000 + month * 100 + day


def make_ids(
    rng: np.random.Generator,
    n: int,
    *,
    birth_start: str = BIRTH_START,
    birth_end: str = BIRTH_END,
    area_codes=AREA_CODES,
    area_weights=AREA_WEIGHTS,
) -> np.ndarray:
    """``n`` unique, valid 18-character IDs (dtype '<U18'), in random order.

    Collisions between random draws are redrawn, so the result is unique within
    the call; draw a whole population in one call to keep it unique overall.
    """
    codes = np.asarray(area_codes, dtype=np.int64)
    weights = np.asarray(area_weights, dtype=float)
    weights = weights / weights.sum()
    span = int((np.datetime64(birth_end) - np.datetime64(birth_start)).astype(int)) + 1

    keys = np.empty(0, dtype=np.int64)
    while keys.size < n:
        need = n - keys.size
        m = need + need // 50 + 16
        area = codes[rng.choice(codes.size, size=m, p=weights)]
        birth = _birth_yyyymmdd(rng.integers(0, span, size=m), birth_start)
        seq = rng.integers(1, 1000, size=m)  # 001-999; odd = male, even = female
        cand = np.concatenate([keys, area * 10**11 + birth * 1000 + seq])
        _, first = np.unique(cand, return_index=True)
        keys = cand[np.sort(first)][:n]  # keep first occurrences, in draw order
    body = np.char.mod("%017d", keys)
    return np.char.add(body, check_chars(keys)).astype("<U18")


def wrong_check_id(value: str) -> str:
    """Same ID with a different (wrong) check character, as a clerk's typo."""
    good = CHECK_CHARS.index(value[17].upper())
    return value[:17] + CHECK_CHARS[(good + 3) % 11]


# --- names, subjects, stages -------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍"
    "韦申尤毕聂焦向柳邢路岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜詹关苗凌费纪靳盛童欧甄项曲"
    "成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵解强柴华车冉房边"
)
_SURNAME_LIST = np.array(list(SURNAMES) + ["欧阳", "司马", "上官", "诸葛"])
# Zipf-like: a few surnames cover most people, as in real rolls.
_SURNAME_P = 1.0 / (np.arange(_SURNAME_LIST.size) + 8.0)
_SURNAME_P[-4:] = _SURNAME_P[-4:] * 0.2
_SURNAME_P = _SURNAME_P / _SURNAME_P.sum()

GIVEN_CHARS = np.array(list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英玉华红梅建国建华志强志明海燕"
    "春梅晓东晓红丹萍鹏飞宇辉颖玲婷雪慧淑珍凤琴云莉红霞立新金凤宏亮庆丰永胜文博天佳欣"
    "思远雅琳俊峰佳怡子涵浩然国庆德胜秋菊冬梅春燕丽娟玉兰淑华宝山长青继红振华跃进爱民"
))

STAGES = ("高中", "初中", "小学", "幼儿园")

SUBJECTS = (
    "语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理",
    "政治", "音乐", "体育", "美术", "信息技术", "科学", "品德",
)

# Relative share of teachers by subject within a stage (0 = not taught there).
_SUBJECT_WEIGHTS = {
    "高中": (16, 15, 13, 8, 7, 6, 6, 5, 6, 2, 5, 2, 4, 0, 0),
    "初中": (16, 15, 13, 6, 5, 5, 5, 5, 6, 3, 5, 3, 3, 0, 0),
    "小学": (32, 28, 8, 0, 0, 0, 0, 0, 0, 6, 7, 6, 3, 5, 5),
    "幼儿园": (22, 18, 4, 0, 0, 0, 0, 0, 0, 20, 12, 18, 0, 6, 0),
}


def make_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` Chinese names: a common surname plus one or two given-name characters."""
    sur = _SURNAME_LIST[rng.choice(_SURNAME_LIST.size, size=n, p=_SURNAME_P)]
    g1 = GIVEN_CHARS[rng.integers(0, GIVEN_CHARS.size, size=n)]
    g2 = GIVEN_CHARS[rng.integers(0, GIVEN_CHARS.size, size=n)]
    two = rng.random(n) < 0.7
    given = np.where(two, np.char.add(g1, g2), g1)
    return np.char.add(sur, given)


def make_subjects(rng: np.random.Generator, stages: np.ndarray) -> np.ndarray:
    """A subject for each teacher, drawn with stage-specific weights."""
    stages = np.asarray(stages)
    out = np.empty(stages.size, dtype="<U4")
    subjects = np.array(SUBJECTS)
    for stage, w in _SUBJECT_WEIGHTS.items():
        mask = stages == stage
        k = int(mask.sum())
        if k:
            p = np.asarray(w, dtype=float)
            out[mask] = subjects[rng.choice(subjects.size, size=k, p=p / p.sum())]
    return out


def make_teachers(rng: np.random.Generator, stages: np.ndarray, **id_kwargs) -> dict:
    """Columns id, name, stage, subject for one teacher per entry of ``stages``."""
    stages = np.asarray(stages)
    n = stages.size
    return {
        "id": make_ids(rng, n, **id_kwargs),
        "name": make_names(rng, n),
        "stage": stages,
        "subject": make_subjects(rng, stages),
    }


# --- result values -----------------------------------------------------------------

def make_scores(
    rng: np.random.Generator,
    n: int,
    *,
    fail_rate: float = 0.08,
    decimal_rate: float = 0.2,
    mean: float = 82.0,
    sd: float = 8.0,
) -> np.ndarray:
    """Scores out of 100: mostly 60-98, ``fail_rate`` below 60, some with one decimal."""
    low = rng.random(n) < fail_rate
    raw = rng.normal(mean, sd, n)
    raw = np.where(raw > 98.0, 196.0 - raw, raw)  # reflect, so 98 is not a pile-up
    passing = np.clip(raw, 60.0, 98.0)
    failing = rng.uniform(30.0, 60.0, n)
    dec = rng.random(n) < decimal_rate
    # floor keeps a failing score below 60 (59.96 must not round up to 60).
    s_pass = np.where(dec, np.round(passing, 1), np.round(passing))
    s_fail = np.where(dec, np.floor(failing * 10) / 10, np.floor(failing))
    return np.where(low, s_fail, s_pass)


def make_blog_counts(rng: np.random.Generator, n: int, *, short_rate: float = 0.0) -> np.ndarray:
    """Blog post counts (R3 needs >= 5): 5-12 normally, 0-4 for ``short_rate``."""
    ok = rng.integers(5, 13, size=n)
    short = rng.integers(0, 5, size=n)
    return np.where(rng.random(n) < short_rate, short, ok)


def make_hours(rng: np.random.Generator, n: int, *, short_rate: float = 0.06) -> np.ndarray:
    """Online hours completed: 15-24 normally, 4-14.5 for ``short_rate`` (R6)."""
    ok = rng.choice(np.array([15, 15, 15, 16, 18, 20, 20, 22, 24]), size=n).astype(float)
    short = np.round(rng.uniform(4, 14.5, size=n) * 2) / 2
    return np.where(rng.random(n) < short_rate, short, ok)


# --- text forms of values ------------------------------------------------------------

_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def to_fullwidth(text: str) -> str:
    """ASCII digits (and '.') as their full-width forms, e.g. '85' -> '８５'."""
    return text.translate(_FULLWIDTH)


def chinese_numeral(n: int) -> str:
    """1..999 as a Chinese numeral as used in school names (12 -> 十二, 21 -> 二十一)."""
    digits = "零一二三四五六七八九"
    if not 1 <= n <= 999:
        raise ValueError(n)
    h, rest = divmod(n, 100)
    t, u = divmod(rest, 10)
    out = ""
    if h:
        out += digits[h] + "百"
        if t == 0 and u:
            return out + "零" + digits[u]
    if t:
        out += ("" if (t == 1 and not h) else digits[t]) + "十"
    if u:
        out += digits[u]
    return out


def format_score(value: float) -> str:
    """A score as a clerk would type it: '85' or '85.5'."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
