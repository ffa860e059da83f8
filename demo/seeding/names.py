"""The vocabularies the demo people and places are drawn from: common surnames and given names,
mobile prefixes, resident-ID regions, employers and street names.

Shared with `write_import_sample`, so a sample workbook reads like the demo's own owners.
"""

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
)
MALE_GIVEN = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建国志文博晨峰亮成东海振"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀燕玲丹萍红玉兰琳婷雪慧颖倩洁佳欣怡梅莉晶月璐楠萌悦思雨琪瑶"
# Resident-ID region codes of people who moved in from elsewhere (the city companies' own are in CITIES).
OTHER_REGIONS = ("110101", "320102", "330106", "430102", "510104", "360102", "410105", "370102", "350203")
MOBILE_PREFIXES = ("138", "139", "137", "135", "136", "150", "151", "158", "159", "186", "187", "188", "189",
                   "133", "177", "180", "181", "199", "152", "183")  # fmt: skip
EMPLOYERS = ("腾讯", "华为", "招商银行", "中国平安", "中国移动", "比亚迪", "顺丰速运", "中兴通讯", "市第一人民医院",
             "实验中学", "个体经营", "国家电网", "中国建设银行", "上汽集团", "东风汽车", "广汽集团", "")  # fmt: skip
ROADS = ("梅林路", "布吉大道", "春风路", "滨江大道", "锦绣路", "光明大道", "翠竹路", "东湖路", "海景路")
