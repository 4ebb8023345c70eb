"""Individual businesses (个体工商户): the business-scope catalogue, the name rules, the districts.

The catalogue is a realistic subset of the standard wording (经营范围规范表述) an individual business
picks from, each entry with its class of 《国民经济行业分类》 GB/T 4754-2017 and the licence the
activity needs besides the registration (后置许可: registered first, licensed before it starts).
"""
from __future__ import annotations

import re
from typing import NamedTuple

FOOD = "食品经营许可证"


class Scope(NamedTuple):
    code: str       # GB/T 4754-2017 class
    name: str       # 规范表述
    name_en: str
    industry: str   # the class's name
    trade: str      # the trade word of a business name
    licence: str = ""


CATALOGUE = (
    Scope("5211", "日用百货销售", "Sale of daily necessities", "百货零售", "百货"),
    Scope("5212", "超市经营", "Running a small supermarket", "超级市场零售", "超市", FOOD),
    Scope("5221", "粮油零售", "Retail of grain and cooking oil", "粮油零售", "粮油", FOOD),
    Scope("5222", "糕点、面包零售", "Retail of cakes and bread", "糕点、面包零售", "饼屋", FOOD),
    Scope("5223", "新鲜水果零售", "Retail of fresh fruit", "果品、蔬菜零售", "果业"),
    Scope("5224", "鲜肉零售", "Retail of fresh meat", "肉、禽、蛋、奶及水产品零售", "肉食", FOOD),
    Scope("5226", "茶叶零售", "Retail of tea", "酒、饮料及茶叶零售", "茶行", FOOD),
    Scope("5227", "卷烟零售", "Retail of cigarettes", "烟草制品零售", "烟酒", "烟草专卖零售许可证"),
    Scope("5232", "服装服饰零售", "Retail of clothing", "服装零售", "服饰"),
    Scope("5233", "鞋帽零售", "Retail of shoes and hats", "鞋帽零售", "鞋业"),
    Scope("5234", "化妆品零售", "Retail of cosmetics", "化妆品及卫生用品零售", "美妆"),
    Scope("5236", "眼镜销售（不含隐形眼镜）", "Sale of glasses (not contact lenses)", "钟表、眼镜零售", "眼镜"),
    Scope("5241", "文具用品零售", "Retail of stationery", "文具用品零售", "文具"),
    Scope("5242", "体育用品及器材零售", "Retail of sports goods", "体育用品及器材零售", "体育用品"),
    Scope("5243", "图书零售", "Retail of books", "图书、报刊零售", "书店", "出版物经营许可证"),
    Scope("5246", "工艺美术品及收藏品零售", "Retail of crafts and collectibles", "工艺美术品及收藏品零售", "工艺"),
    Scope("5273", "计算机软硬件及辅助设备零售", "Retail of computers and accessories", "计算机、软件及辅助设备零售", "电脑"),
    Scope("5274", "通讯设备销售", "Sale of phones and communication devices", "通信设备零售", "通讯"),
    Scope("5281", "五金产品零售", "Retail of hardware", "五金零售", "五金"),
    Scope("6210", "餐饮服务", "Restaurant service", "正餐服务", "餐饮", FOOD),
    Scope("6220", "快餐服务", "Fast food service", "快餐服务", "快餐", FOOD),
    Scope("6231", "茶馆服务", "Tea house service", "茶馆服务", "茶馆", FOOD),
    Scope("6241", "餐饮配送服务", "Meal delivery service", "餐饮配送服务", "餐饮", FOOD),
    Scope("6291", "小吃服务", "Snack service", "小吃服务", "小吃", FOOD),
    Scope("8010", "家政服务", "Housekeeping service", "家庭服务", "家政"),
    Scope("8040", "洗烫服务", "Laundry and ironing", "洗染服务", "洗衣"),
    Scope("8051", "理发服务", "Hairdressing", "理发及美容服务", "美发"),
    Scope("8070", "摄影扩印服务", "Photography and printing of photos", "摄影扩印服务", "摄影"),
    Scope("8122", "通讯设备修理", "Repair of phones", "通讯设备修理", "维修"),
    Scope("8132", "日用电器修理", "Repair of household appliances", "日用电器修理", "维修"),
    Scope("8191", "自行车修理", "Repair of bicycles", "自行车修理", "单车维修"),
    Scope("8192", "鞋和皮革修理", "Repair of shoes and leather goods", "鞋和皮革修理", "修鞋"),
)
BY_CODE = {s.code: s for s in CATALOGUE}
# Place names of county level or above (a 字号 must not be one) and words reserved for other kinds of business.
PLACE_NAMES = ("中国", "中华", "全国", "国际", "广东", "广州", "荔湾", "越秀", "海珠", "天河", "白云", "黄埔", "番禺",
               "花都", "南沙", "从化", "增城", "深圳", "佛山")
RESERVED = ("企业", "公司", "合作社", "集团", "有限", "银行")
# Names already registered before the reference backend started, per district (any district: "").
REGISTERED = {"": ("鸿运", "好味道", "老街坊"), "天河区": ("金牌", "天天"), "越秀区": ("东山",)}
_HANZI = re.compile(r"[\u4e00-\u9fff]+")


def scope_row(scope: Scope) -> dict:
    """One catalogue entry as the contract's ``BusinessScopes`` row."""
    return {"code": scope.code, "name": scope.name, "name_en": scope.name_en, "industry": scope.industry,
            "trade": scope.trade, "licence": scope.licence,
            "licence_note": f"需另办{scope.licence}" if scope.licence else "无需另办许可证",
            "licence_note_en": f"Also needs a licence ({scope.licence})" if scope.licence else "No other licence needed"}


def name_problem(trade_name: str) -> str:
    """The field error code for a 字号 the rules refuse (``""``: allowed)."""
    if not _HANZI.fullmatch(trade_name):
        return "invalid_format"
    if any(word in trade_name for word in PLACE_NAMES + RESERVED):
        return "not_allowed"
    return ""


def full_name(district: str, trade_name: str, first_scope: str) -> str:
    """行政区划 + 字号 + 行业 + 组织形式: 广州市天河区思远百货店."""
    return f"广州市{district}{trade_name}{BY_CODE[first_scope].trade}店"
