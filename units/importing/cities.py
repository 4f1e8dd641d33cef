"""The 16 prefecture-level cities of Shandong, kept in code because they are fixed reference data.

GB/T 2260 codes change only when the State Council redraws a prefecture (the last time in Shandong: 莱芜 merged into
济南 in 2019, so 371200 is gone). A constant is reviewed with the code and needs no file on a fresh machine.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.tables import ImportResult
from units.models import City

# (GB/T 2260 code, name as the province writes it, English name), in code order.
SHANDONG_CITIES: tuple[tuple[str, str, str], ...] = (
    ("370100", "济南", "Jinan"),
    ("370200", "青岛", "Qingdao"),
    ("370300", "淄博", "Zibo"),
    ("370400", "枣庄", "Zaozhuang"),
    ("370500", "东营", "Dongying"),
    ("370600", "烟台", "Yantai"),
    ("370700", "潍坊", "Weifang"),
    ("370800", "济宁", "Jining"),
    ("370900", "泰安", "Tai'an"),
    ("371000", "威海", "Weihai"),
    ("371100", "日照", "Rizhao"),
    ("371300", "临沂", "Linyi"),
    ("371400", "德州", "Dezhou"),
    ("371500", "聊城", "Liaocheng"),
    ("371600", "滨州", "Binzhou"),
    ("371700", "菏泽", "Heze"),
)


@transaction.atomic
def city_sync_all() -> ImportResult:
    """Make the 16 cities exist with their canonical names (idempotent; extra cities are left alone)."""
    result = ImportResult(label=_("Cities"))
    existing = {city.code: city for city in City.objects.all()}
    for code, name, name_en in SHANDONG_CITIES:
        city = existing.get(code)
        if city is None:
            City(code=code, name=name, name_en=name_en).save()
            result.created.append(code)
        elif (city.name, city.name_en) != (name, name_en):
            city.name, city.name_en = name, name_en
            city.save(update_fields=["name", "name_en"])
            result.updated.append(code)
        else:
            result.unchanged.append(code)
    return result
