"""A realistic subset of Guangzhou's standard address chain (标准地址, 四标四实): district -> street
or town -> community -> road or lane -> house number -> room.

Districts carry their administrative division codes (天河区 440106, ...); each level appends its own
digits to the parent's code, so a room's 22-digit code names its whole chain. Streets, communities
and roads are real names of the district; house numbers and rooms are generated, the same every
time (seeded by the parent code).
"""
from __future__ import annotations

import random

# district code -> (name, {street name: {community name: (road, ...)}})
_CHAIN: dict[str, tuple[str, dict[str, dict[str, tuple[str, ...]]]]] = {
    "440106": ("天河区", {
        "石牌街道": {"龙口西社区": ("龙口西路", "天河北路"), "华师社区": ("中山大道西", "五山路"),
                   "棠下社区": ("棠下二社东街", "中山大道西")},
        "天河南街道": {"六运社区": ("体育西路", "六运一街", "天河南二路"), "龙口东社区": ("龙口东路", "天河北路")},
        "林和街道": {"林和中社区": ("林和中路", "林和西路"), "东站社区": ("东站路", "林乐路")},
    }),
    "440104": ("越秀区", {
        "北京街道": {"盐运西社区": ("北京路", "文明路"), "流水井社区": ("广卫路", "西湖路")},
        "农林街道": {"东山口社区": ("农林下路", "署前路"), "华侨新村社区": ("环市东路", "光明路")},
    }),
    "440105": ("海珠区", {
        "江海街道": {"红卫社区": ("新港中路", "江海大道"), "鹭江社区": ("新港西路", "鹭江西街")},
        "赤岗街道": {"赤岗社区": ("赤岗路", "艺苑路"), "珠江帝景社区": ("艺洲路", "阅江中路")},
    }),
    "440113": ("番禺区", {
        "市桥街道": {"先锋社区": ("繁华路", "环城中路"), "西城社区": ("西丽路", "富华中路")},
        "大石街道": {"大石社区": ("大石中路", "105国道大石段"), "洛溪新城社区": ("洛溪大道", "吉祥道")},
    }),
    "440111": ("白云区", {
        "三元里街道": {"松柏社区": ("三元里大道", "机场路"), "瑶台社区": ("瑶台西街", "广园西路")},
        "同德街道": {"上步社区": ("西槎路", "粤溪北路"), "鹅掌坦社区": ("鹅掌坦街", "同德路")},
    }),
}
LEVELS = ("district", "street", "community", "road", "number", "room")
CODE_LENGTH = {"district": 6, "street": 9, "community": 12, "road": 15, "number": 18, "room": 22}


def units(level: str, parent: str | None) -> list[dict] | None:
    """The units of ``level`` under ``parent`` (``[{code, name}]``), or None for an unknown parent."""
    if level == "district":
        return [{"code": code, "name": name} for code, (name, _) in _CHAIN.items()]
    if parent is None or len(parent) != CODE_LENGTH[LEVELS[LEVELS.index(level) - 1]]:
        return None
    children = _children(parent)
    return None if children is None else [{"code": c, "name": n} for c, n in children]


def name_of(code: str) -> str | None:
    """The name of the unit ``code`` (None if it is not in the dictionary)."""
    level = next((lv for lv, n in CODE_LENGTH.items() if n == len(code)), None)
    if level is None:
        return None
    if level == "district":
        return _CHAIN[code][0] if code in _CHAIN else None
    siblings = units(level, code[:CODE_LENGTH[LEVELS[LEVELS.index(level) - 1]]])
    return next((u["name"] for u in siblings or () if u["code"] == code), None)


def recorded(seed: str) -> tuple[dict[str, str], dict[str, str]]:
    """A home picked from the dictionary, the same for the same ``seed``: its codes by level
    (``{"district": "440106", ...}``) and its address as the hall's records write it
    (``{"district", "street", "detail"}``: road, house number and room in ``detail``)."""
    rng = random.Random(f"recorded:{seed}")
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    parent = None
    for level in LEVELS:
        code, name = rng.choice([(u["code"], u["name"]) for u in units(level, parent)])
        codes[level], names[level], parent = code, name, code
    return codes, {"district": names["district"], "street": names["street"],
                   "detail": names["road"] + names["number"] + names["room"]}


def _children(parent: str) -> list[tuple[str, str]] | None:
    district = _CHAIN.get(parent[:6])
    if district is None:
        return None
    streets = district[1]
    street_names = list(streets)
    if len(parent) == 6:
        return [(f"{parent}{i:03d}", name) for i, name in enumerate(street_names, 1)]
    street_index = int(parent[6:9]) - 1
    if not 0 <= street_index < len(street_names):
        return None
    communities = streets[street_names[street_index]]
    community_names = list(communities)
    if len(parent) == 9:
        return [(f"{parent}{i:03d}", name) for i, name in enumerate(community_names, 1)]
    community_index = int(parent[9:12]) - 1
    if not 0 <= community_index < len(community_names):
        return None
    roads = communities[community_names[community_index]]
    if len(parent) == 12:
        return [(f"{parent}{i:03d}", name) for i, name in enumerate(roads, 1)]
    road_index = int(parent[12:15]) - 1
    if not 0 <= road_index < len(roads):
        return None
    if len(parent) == 15:  # house numbers along the road (odd numbers on this side)
        numbers = sorted(random.Random(f"address:{parent}").sample(range(1, 400, 2), 8))
        return [(f"{parent}{n:03d}", f"{n}号") for n in numbers]
    if len(parent) == 18 and parent in {code for code, _ in _children(parent[:15]) or ()}:
        floors = random.Random(f"address:{parent}").randrange(3, 9)
        return [(f"{parent}{floor:02d}{room:02d}", f"{floor}{room:02d}房")
                for floor in range(1, floors + 1) for room in range(1, 4)]
    return None
