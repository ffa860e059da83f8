"""The standard handover checklist (分户验收) and rectification deadlines, seeded by a migration.

Administrators edit both in the admin afterwards; the migration only adds what is missing.
"""

# (room type, area, trade, check). Room and area codes are delivery.models.RoomType / InspectionArea.
STANDARD_CHECKLIST = [
    ("entrance", "doors_windows", "doors_windows", "入户门开关顺畅、门锁及猫眼完好、门框无变形"),
    ("entrance", "walls", "painting", "墙面平整无空鼓、开裂、污渍"),
    ("entrance", "floors", "civil", "地面/地砖平整，无空鼓、裂缝、色差"),
    ("entrance", "electricity", "plumbing_electrical", "可视对讲、门铃、强弱电箱完好并标识清楚"),
    ("living", "walls", "painting", "墙面、顶棚平整，无空鼓、裂缝、渗水痕迹"),
    ("living", "floors", "civil", "地面平整，地砖无空鼓（敲击检查）、无破损"),
    ("living", "doors_windows", "doors_windows", "窗户开启灵活、密封条完整、玻璃无划痕、限位器有效"),
    ("living", "electricity", "plumbing_electrical", "插座通电（验电器）、开关灵敏、灯具完好"),
    ("living", "fittings", "equipment", "空调孔、预留管线位置与图纸一致"),
    ("kitchen", "walls", "civil", "墙砖无空鼓、缝隙均匀，顶棚无渗水"),
    ("kitchen", "water", "plumbing_electrical", "给水无渗漏、水压正常，排水通畅（蓄水试验）"),
    ("kitchen", "gas", "plumbing_electrical", "燃气管道、阀门、表具完好，无异味，报警器有效"),
    ("kitchen", "electricity", "plumbing_electrical", "厨房插座、油烟机电源通电"),
    ("kitchen", "fittings", "equipment", "橱柜、台面、水槽、灶具安装牢固无破损"),
    ("bathroom", "water", "waterproofing", "闭水试验无渗漏，楼下顶棚无水渍"),
    ("bathroom", "floors", "civil", "地面坡度朝向地漏，无积水"),
    ("bathroom", "fittings", "equipment", "洁具、龙头、花洒、浴室柜完好，无渗漏"),
    ("bathroom", "electricity", "plumbing_electrical", "排气扇、浴霸、防水插座通电"),
    ("bathroom", "walls", "civil", "墙砖无空鼓、破损，美缝完整"),
    ("bedroom", "walls", "painting", "墙面平整无裂缝、无色差"),
    ("bedroom", "floors", "civil", "地板/地面平整，无异响、无起拱"),
    ("bedroom", "doors_windows", "doors_windows", "房门、窗户开关顺畅，五金件齐全"),
    ("bedroom", "electricity", "plumbing_electrical", "插座、开关、网络及电视接口通"),
    ("balcony", "water", "waterproofing", "地漏排水通畅，无倒坡积水"),
    ("balcony", "doors_windows", "doors_windows", "推拉门/栏杆牢固，栏杆高度与间距符合规范"),
    ("balcony", "walls", "painting", "外墙面无渗水、涂料无脱落"),
    ("whole_unit", "electricity", "plumbing_electrical", "配电箱空开标识正确、漏电保护动作正常"),
    ("whole_unit", "water", "plumbing_electrical", "水表、电表、燃气表读数已记录"),
    ("whole_unit", "fittings", "equipment", "钥匙、资料、交付清单与实物一致"),
]

STANDARD_CHECKLIST_NAME = "标准分户验收清单"

# severity → (working days, level 2 after due in hours, level 3 after due in hours)
RECTIFICATION_DEADLINES = {
    "critical": (2, 24, 48),
    "major": (5, 48, 96),
    "normal": (10, 48, 120),
    "minor": (15, 72, 168),
}
