"""The demo command tree, built around the units named in the seed reports."""

from .models import Unit

# (code, name, short name, kind, children)
STATIONS_PER_BATTALION = 2
SQUADS_PER_STATION = 3


def _station(code, name, short):
    squads = [
        (f"{code}-B{i}", f"{name}第{i}班", f"{i}班", "squad", []) for i in range(1, SQUADS_PER_STATION + 1)
    ]
    return (code, name, short, "station", squads)


def _battalion(code, city, district):
    stations = [
        _station(f"{code}-Z{i}", f"{city}{district}{name}消防救援站", f"{name}站")
        for i, name in enumerate(["城东", "城西"][:STATIONS_PER_BATTALION], start=1)
    ]
    return (code, f"{city}{district}消防救援大队", f"{district}大队", "battalion", stations)


TREE = (
    "XFJ",
    "应急管理部消防救援局",
    "消防救援局",
    "bureau",
    [
        (
            "GZ",
            "贵州省消防救援总队",
            "贵州总队",
            "corps",
            [
                (
                    "GZ-ZY",
                    "遵义市消防救援支队",
                    "遵义支队",
                    "detachment",
                    [
                        (
                            "GZ-ZY-HH",
                            "遵义市红花岗区消防救援大队",
                            "红花岗大队",
                            "battalion",
                            [
                                _station("GZ-ZY-HH-HZ", "遵义会址消防救援站", "会址站"),
                                _station("GZ-ZY-HH-ZS", "遵义市中山路消防救援站", "中山路站"),
                            ],
                        ),
                        _battalion("GZ-ZY-HC", "遵义市", "汇川区"),
                    ],
                ),
                (
                    "GZ-GY",
                    "贵阳市消防救援支队",
                    "贵阳支队",
                    "detachment",
                    [
                        _battalion("GZ-GY-NM", "贵阳市", "南明区"),
                        _battalion("GZ-GY-YY", "贵阳市", "云岩区"),
                    ],
                ),
            ],
        ),
        (
            "SX",
            "山西省消防救援总队",
            "山西总队",
            "corps",
            [
                (
                    "SX-CZ",
                    "长治市消防救援支队",
                    "长治支队",
                    "detachment",
                    [
                        _station("SX-CZ-TQ", "长治市消防救援支队特勤站", "特勤站"),
                        _battalion("SX-CZ-LZ", "长治市", "潞州区"),
                        _battalion("SX-CZ-SD", "长治市", "上党区"),
                    ],
                ),
                (
                    "SX-TY",
                    "太原市消防救援支队",
                    "太原支队",
                    "detachment",
                    [
                        _battalion("SX-TY-XD", "太原市", "小店区"),
                    ],
                ),
            ],
        ),
        (
            "HLJ",
            "黑龙江省消防救援总队",
            "黑龙江总队",
            "corps",
            [
                (
                    "HLJ-MDJ",
                    "牡丹江市消防救援支队",
                    "牡丹江支队",
                    "detachment",
                    [
                        _battalion("HLJ-MDJ-DA", "牡丹江市", "东安区"),
                        _battalion("HLJ-MDJ-AM", "牡丹江市", "爱民区"),
                    ],
                ),
            ],
        ),
    ],
)


def _add(parent, node, units):
    code, name, short, kind, children = node
    fields = {"code": code, "name": name, "short_name": short, "kind": kind}
    unit = parent.add_child(**fields) if parent else Unit.add_root(**fields)
    units[code] = unit
    for child in children:
        _add(unit, child, units)


def load(ctx):
    ctx["units"] = {}
    _add(None, TREE, ctx["units"])
