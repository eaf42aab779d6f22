"""The phrase bank of :mod:`pipeline.sample.rephrase`: how other branches and service desks write
each sample symptom and cause (English, Traditional Chinese with Taiwan and mainland vocabulary,
Simplified Chinese, mixed script), written without seeing the taxonomy's rules."""

from __future__ import annotations

LANGS = ("en", "zh-Hant", "zh-Hans")

# --------------------------------------------------------------------------------------------
# the bank

# Slot fillers: ``{disk}`` in a template is filled from the template's language list, or (at ABBR_RATE) from
# "abbr", which is how engineers of every language shorten the part names in a ticket. The Traditional lists
# hold both Taiwan words (硬碟, 記憶體, 主機板) and the mainland words written in Traditional (硬盤, 內存, 主板),
# because the Traditional export of a mainland branch uses the latter.
NOUNS: dict[str, dict[str, tuple[str, ...]]] = {
    "disk": {"en": ("disk", "hard disk", "hard drive", "drive", "SAS disk"),
             "zh-Hant": ("硬碟", "硬盤", "磁碟"), "zh-Hans": ("硬盘", "磁盘"), "abbr": ("HDD",)},
    "mem": {"en": ("memory", "DIMM", "memory module"),
            "zh-Hant": ("記憶體", "內存", "內存條"), "zh-Hans": ("内存", "内存条"), "abbr": ("DIMM", "MEM")},
    "mb": {"en": ("system board", "motherboard", "mainboard", "planar"),
           "zh-Hant": ("主機板", "主板", "系統板"), "zh-Hans": ("主板", "系统板"), "abbr": ("MB",)},
    "psu": {"en": ("power supply", "power module", "PSU"),
            "zh-Hant": ("電源供應器", "電源模組", "電源模塊", "電源"), "zh-Hans": ("电源模块", "电源", "电源模组"),
            "abbr": ("PSU",)},
    "raid": {"en": ("RAID card", "RAID controller", "array controller", "PERC", "Smart Array controller",
                    "ServeRAID adapter"),
             "zh-Hant": ("陣列卡", "RAID卡", "磁碟陣列卡", "ServeRAID卡"),
             "zh-Hans": ("阵列卡", "RAID卡", "阵列控制器"), "abbr": ()},
    "nic": {"en": ("network card", "network adapter", "Ethernet adapter", "NIC"),
            "zh-Hant": ("網卡", "網路卡"), "zh-Hans": ("网卡", "网络适配器"), "abbr": ("NIC",)},
    "fan": {"en": ("fan", "system fan", "cooling fan"),
            "zh-Hant": ("風扇", "系統風扇"), "zh-Hans": ("风扇", "系统风扇"), "abbr": ("FAN",)},
    "cpu": {"en": ("CPU", "processor"), "zh-Hant": ("CPU", "處理器"), "zh-Hans": ("CPU", "处理器"), "abbr": ("CPU",)},
    "bp": {"en": ("backplane", "disk backplane", "HDD backplane", "SAS backplane"),
           "zh-Hant": ("背板", "硬碟背板", "硬盤背板", "SAS背板"), "zh-Hans": ("背板", "硬盘背板", "SAS背板"),
           "abbr": ()},
    "pci": {"en": ("PCI riser card", "riser card", "PCI riser", "PCI board"),
            "zh-Hant": ("PCI板", "PCI轉接卡", "Riser卡"), "zh-Hans": ("PCI板", "PCI转接卡", "Riser卡"), "abbr": ()},
    "fw": {"en": ("firmware", "BIOS", "microcode"),
           "zh-Hant": ("韌體", "固件", "BIOS", "微碼"), "zh-Hans": ("固件", "BIOS", "微码"), "abbr": ("FW",)},
}
# ``{n}``: a bay, slot, DIMM or port number
NUMBERS = tuple(str(i) for i in range(1, 9))

# (language, template) per code. Chinese templates may hold Latin letters (mixed script: "HDD黃燈"); the tag
# is the script of the Chinese characters. None of the sample's own phrasings is copied here.
SYMPTOM_BANK: dict[str, tuple[tuple[str, str], ...]] = {
    "HDD_AMBER": (
        ("en", "{disk} amber LED on"), ("en", "amber light on {disk} {n}"), ("en", "{disk} fault LED lit"),
        ("en", "amber LED on {disk} in bay {n}"), ("en", "{disk} status light amber"),
        ("zh-Hant", "{disk}黃燈亮起"), ("zh-Hant", "第{n}顆{disk}亮黃燈"), ("zh-Hant", "{disk}故障燈(黃燈)恆亮"),
        ("zh-Hant", "{disk}指示燈呈黃色"), ("zh-Hant", "HDD{n} 黃燈"),
        ("zh-Hans", "{disk}亮黄灯"), ("zh-Hans", "{n}号{disk}黄灯常亮"), ("zh-Hans", "{disk}故障指示灯亮"),
        ("zh-Hans", "有{n}块{disk}亮黄灯"), ("zh-Hans", "{disk} amber灯亮"),
    ),
    "DISK_NOT_SEEN": (
        ("en", "{disk} not detected"), ("en", "{disk} not recognized by controller"),
        ("en", "{disk} missing in RAID config utility"), ("en", "OS cannot see {disk}"),
        ("en", "{disk} {n} not found during scan"),
        ("zh-Hant", "系統抓不到{disk}"), ("zh-Hant", "陣列卡BIOS中看不到{disk}"), ("zh-Hant", "{disk}偵測不到"),
        ("zh-Hant", "開機時{disk}未被識別"), ("zh-Hant", "ctrl+a裡找不到{disk}"),
        ("zh-Hans", "{disk}识别不到"), ("zh-Hans", "阵列卡BIOS里看不到{disk}"), ("zh-Hans", "系统找不到{disk}"),
        ("zh-Hans", "ctrl+a下无法识别{disk}"), ("zh-Hans", "{n}号{disk}认不到"),
    ),
    "RAID_SELFTEST": (
        ("en", "{raid} fails POST self-test"), ("en", "{raid} initialization failed at boot"),
        ("en", "{raid} self test failed"), ("en", "{raid} hangs during init at power-on"),
        ("zh-Hant", "{raid}自我測試失敗"), ("zh-Hant", "{raid}開機自檢未通過"), ("zh-Hant", "開機時{raid}初始化失敗"),
        ("zh-Hant", "{raid}自檢卡住"), ("zh-Hant", "RAID卡 POST自檢fail"),
        ("zh-Hans", "{raid}自检未通过"), ("zh-Hans", "开机{raid}初始化失败"), ("zh-Hans", "{raid}自检报错"),
        ("zh-Hans", "{raid}自检时卡住不动"), ("zh-Hans", "{raid} self-test不过"),
    ),
    "MEM_ERROR": (
        ("en", "{mem} error reported"), ("en", "DIMM {n} error LED on"), ("en", "light path MEM LED lit"),
        ("en", "memory error on DIMM{n}"), ("en", "uncorrectable ECC error on {mem}"),
        ("zh-Hant", "{mem}錯誤"), ("zh-Hant", "光通路診斷面板MEM燈亮起"), ("zh-Hant", "DIMM{n}指示燈亮"),
        ("zh-Hant", "開機提示{mem}錯誤"), ("zh-Hant", "memory error, DIMM{n}燈亮"),
        ("zh-Hans", "{mem}报错误"), ("zh-Hans", "光通路面板MEM灯亮"), ("zh-Hans", "DIMM{n}灯亮，提示内存错误"),
        ("zh-Hans", "{mem}出错"), ("zh-Hans", "日志报{mem}ECC错误"),
    ),
    "BOARD_ERROR": (
        ("en", "system board error reported"), ("en", "light path BOARD LED on"), ("en", "{mb} error in event log"),
        ("en", "planar error LED lit"), ("en", "{mb} fault reported by IMM"),
        ("zh-Hant", "{mb}錯誤"), ("zh-Hant", "光通路BOARD指示燈亮起"), ("zh-Hant", "系統日誌顯示{mb}錯誤"),
        ("zh-Hant", "{mb}故障燈亮"), ("zh-Hant", "面板BOARD燈亮"),
        ("zh-Hans", "{mb}报错误"), ("zh-Hans", "光通路BOARD指示灯亮"), ("zh-Hans", "日志报{mb}故障"),
        ("zh-Hans", "BOARD灯常亮"), ("zh-Hans", "{mb}错误告警"),
    ),
    "NO_DISPLAY": (
        ("en", "no video at power on"), ("en", "powers on but no display"), ("en", "black screen at boot, no video"),
        ("en", "monitor stays blank after power-on"), ("en", "no display, fans spin"),
        ("zh-Hant", "開機螢幕無畫面"), ("zh-Hant", "開機後無影像輸出"), ("zh-Hant", "加電後螢幕黑屏"),
        ("zh-Hant", "開機沒有顯示"), ("zh-Hant", "開機無video"),
        ("zh-Hans", "开机没有显示"), ("zh-Hans", "加电后黑屏无显示"), ("zh-Hans", "开机屏幕无输出"),
        ("zh-Hans", "上电无显示"), ("zh-Hans", "开机no video"),
    ),
    "BLUE_SCREEN": (
        ("en", "BSOD"), ("en", "blue screen"), ("en", "OS crash, blue screen"), ("en", "server hangs with blue screen"),
        ("en", "Windows blue screen, memory dump created"), ("en", "kernel panic, server hung"),
        ("zh-Hant", "系統當機藍屏"), ("zh-Hant", "Windows出現藍色畫面"), ("zh-Hant", "作業系統藍屏當機"),
        ("zh-Hant", "藍屏死當"), ("zh-Hant", "系統BSOD當機"),
        ("zh-Hans", "系统蓝屏"), ("zh-Hans", "运行中出现蓝屏"), ("zh-Hans", "蓝屏死机，有dump文件"),
        ("zh-Hans", "操作系统蓝屏"), ("zh-Hans", "蓝屏 BSOD"),
    ),
    "POWER_FAIL": (
        ("en", "server will not power on"), ("en", "no power, power LED off"), ("en", "cannot power on"),
        ("en", "{psu} fault LED on"), ("en", "power button no response"),
        ("zh-Hant", "無法開機，電源燈不亮"), ("zh-Hant", "按電源鍵沒反應"), ("zh-Hant", "{psu}故障燈亮起"),
        ("zh-Hant", "機器完全無法上電"), ("zh-Hant", "電源指示燈不亮"),
        ("zh-Hans", "无法开机上电"), ("zh-Hans", "按电源键无反应"), ("zh-Hans", "{psu}故障灯亮"),
        ("zh-Hans", "电源指示灯不亮"), ("zh-Hans", "机器不加电"), ("zh-Hans", "power灯不亮"),
    ),
    "FAN_ERROR": (
        ("en", "{fan} error"), ("en", "{fan} {n} fault LED lit"), ("en", "fan not spinning"),
        ("en", "FAN LED on light path"), ("en", "{fan} failure reported"),
        ("zh-Hant", "{fan}錯誤訊息"), ("zh-Hant", "{fan}不轉"), ("zh-Hant", "{fan}指示燈亮起"),
        ("zh-Hant", "第{n}個{fan}告警"), ("zh-Hant", "FAN燈亮"),
        ("zh-Hans", "{fan}不转"), ("zh-Hans", "{fan}告警"), ("zh-Hans", "{fan}指示灯亮"),
        ("zh-Hans", "提示{fan}错误"), ("zh-Hans", "光通路FAN灯亮"),
    ),
    "NIC_DOWN": (
        ("en", "network down"), ("en", "link down on eth{n}"), ("en", "cannot ping server"),
        ("en", "{nic} not working"), ("en", "no link light on {nic} port"),
        ("zh-Hant", "網路不通"), ("zh-Hant", "{nic}無連線"), ("zh-Hant", "網路埠燈號不亮"),
        ("zh-Hant", "ping不通"), ("zh-Hant", "{nic}連不上網路"),
        ("zh-Hans", "网络不通"), ("zh-Hans", "{nic}连不上"), ("zh-Hans", "网口指示灯不亮"),
        ("zh-Hans", "ping不通服务器"), ("zh-Hans", "{nic}端口link down"),
    ),
}

CAUSE_BANK: dict[str, tuple[tuple[str, str], ...]] = {
    "DISK_PHYSICAL": (
        ("en", "{disk} failed, replaced"), ("en", "failed {disk}"), ("en", "{disk} physically damaged"),
        ("en", "bad sectors on {disk}"), ("en", "dead {disk}, swapped"),
        ("zh-Hant", "{disk}壞軌"), ("zh-Hant", "{disk}物理性損壞"), ("zh-Hant", "{disk}故障已更換"),
        ("zh-Hant", "{disk}實體損壞"), ("zh-Hant", "{disk}有壞道"),
        ("zh-Hans", "{disk}坏道"), ("zh-Hans", "{disk}物理故障"), ("zh-Hans", "{disk}坏了，已更换"),
        ("zh-Hans", "{disk}硬件损坏"), ("zh-Hans", "{disk}物理坏"),
    ),
    "DISK_LOGICAL": (
        ("en", "{disk} dropped out of array, rebuilt"), ("en", "{disk} offline (logical), no hardware fault"),
        ("en", "foreign config on {disk}, re-imported"), ("en", "{disk} kicked from RAID, re-added"),
        ("en", "logical drive offline, rebuilt OK"),
        ("zh-Hant", "{disk}邏輯離線，重建後正常"), ("zh-Hant", "{disk}脫離陣列"),
        ("zh-Hant", "{disk}狀態offline，重新加入後正常"), ("zh-Hant", "{disk}掉線重建"),
        ("zh-Hant", "陣列中{disk}離線(非硬體故障)"),
        ("zh-Hans", "{disk}逻辑离线"), ("zh-Hans", "{disk}脱离阵列，rebuild后正常"),
        ("zh-Hans", "{disk}掉盘，重建即可"),
        ("zh-Hans", "{disk}出现foreign状态，导入配置后正常"), ("zh-Hans", "{disk}掉了，重新rebuild"),
    ),
    "RAID_CARD": (
        ("en", "{raid} failed"), ("en", "faulty {raid}"), ("en", "{raid} defective, replaced"),
        ("en", "{raid} hardware fault"), ("en", "{raid} dead, replaced"),
        ("zh-Hant", "{raid}損壞"), ("zh-Hant", "{raid}故障，已更換"), ("zh-Hant", "{raid}硬體故障"),
        ("zh-Hant", "{raid}壞掉"), ("zh-Hant", "{raid}不良"),
        ("zh-Hans", "{raid}坏了"), ("zh-Hans", "{raid}硬件故障"), ("zh-Hans", "{raid}损坏，更换后正常"),
        ("zh-Hans", "{raid}失效"),
    ),
    "LOOSE_SLOT": (
        ("en", "card not seated properly, reseated"), ("en", "loose {mem}, reseated"),
        ("en", "poor contact in slot, reseat fixed"), ("en", "bad contact, reseated"),
        ("en", "reseated card, problem solved"),
        ("zh-Hant", "插槽接觸不良"), ("zh-Hant", "板卡鬆脫，重新插拔後正常"), ("zh-Hant", "重新插拔後恢復"),
        ("zh-Hant", "卡沒插緊"), ("zh-Hant", "金手指接觸不良"),
        ("zh-Hant", "板卡接觸不良，reseat後正常"),
        ("zh-Hans", "插槽接触不好"), ("zh-Hans", "板卡松动，重新插好"), ("zh-Hans", "重新插拔后正常"),
        ("zh-Hans", "卡没插紧"), ("zh-Hans", "金手指接触不良，清理后重插"),
    ),
    "MEMORY": (
        ("en", "faulty {mem}"), ("en", "bad DIMM"), ("en", "{mem} failed, replaced"), ("en", "DIMM {n} bad"),
        ("en", "memory module failure"),
        ("zh-Hant", "{mem}損毀"), ("zh-Hant", "{mem}壞掉"), ("zh-Hant", "{mem}故障，更換後正常"),
        ("zh-Hant", "第{n}條{mem}壞"), ("zh-Hant", "{mem}不良"),
        ("zh-Hans", "{mem}坏"), ("zh-Hans", "{mem}有故障"), ("zh-Hans", "{mem}失效，已换"), ("zh-Hans", "DIMM{n}坏"),
        ("zh-Hans", "{mem}硬件故障"),
    ),
    "MOTHERBOARD": (
        ("en", "system board failed"), ("en", "faulty {mb}"), ("en", "{mb} defective, replaced"),
        ("en", "bad {mb}"), ("en", "replaced planar"),
        ("zh-Hant", "{mb}損毀"), ("zh-Hant", "{mb}不良"), ("zh-Hant", "{mb}壞掉，已更換"), ("zh-Hant", "{mb}硬體故障"),
        ("zh-Hans", "{mb}坏了"), ("zh-Hans", "{mb}硬件故障"), ("zh-Hans", "{mb}损坏，已更换"), ("zh-Hans", "{mb}失效"),
        ("zh-Hans", "系统板故障"),
    ),
    "PCI_BOARD": (
        ("en", "PCI riser card failed"), ("en", "faulty {pci}"), ("en", "{pci} defective"), ("en", "bad riser card"),
        ("en", "{pci} failure, replaced"),
        ("zh-Hant", "{pci}損壞"), ("zh-Hant", "{pci}不良"), ("zh-Hant", "{pci}故障已更換"), ("zh-Hant", "{pci}壞掉"),
        ("zh-Hans", "{pci}坏了"), ("zh-Hans", "{pci}损坏"), ("zh-Hans", "{pci}硬件故障"), ("zh-Hans", "PCI扩展板故障"),
        ("zh-Hans", "{pci}失效"),
    ),
    "PSU": (
        ("en", "{psu} failed"), ("en", "faulty {psu}"), ("en", "bad power supply"), ("en", "{psu} dead, replaced"),
        ("en", "PSU {n} failure"),
        ("zh-Hant", "{psu}損壞"), ("zh-Hant", "{psu}壞掉"), ("zh-Hant", "{psu}故障，已更換"), ("zh-Hant", "{psu}不良"),
        ("zh-Hant", "電供壞了"),
        ("zh-Hans", "{psu}坏了"), ("zh-Hans", "{psu}损坏"), ("zh-Hans", "{psu}烧了"), ("zh-Hans", "{psu}失效"),
        ("zh-Hans", "{psu}硬件故障"),
    ),
    "FAN": (
        ("en", "{fan} failed"), ("en", "faulty {fan}"), ("en", "{fan} dead, replaced"), ("en", "bad fan"),
        ("en", "{fan} {n} failure"),
        ("zh-Hant", "{fan}損壞"), ("zh-Hant", "{fan}壞掉"), ("zh-Hant", "{fan}不良，已更換"),
        ("zh-Hant", "{fan}故障已換"),
        ("zh-Hans", "{fan}坏了"), ("zh-Hans", "{fan}损坏"), ("zh-Hans", "{fan}不转，已更换"), ("zh-Hans", "{fan}失效"),
        ("zh-Hans", "{fan}硬件故障"),
    ),
    "NIC": (
        ("en", "{nic} failed"), ("en", "faulty {nic}"), ("en", "bad NIC"), ("en", "{nic} defective, replaced"),
        ("en", "{nic} hardware fault"),
        ("zh-Hant", "{nic}損壞"), ("zh-Hant", "{nic}壞掉"), ("zh-Hant", "{nic}不良"), ("zh-Hant", "{nic}故障，已更換"),
        ("zh-Hans", "{nic}坏了"), ("zh-Hans", "{nic}硬件故障"), ("zh-Hans", "{nic}损坏，更换后正常"),
        ("zh-Hans", "{nic}失效"),
    ),
    "CPU": (
        ("en", "CPU failed"), ("en", "faulty {cpu}"), ("en", "{cpu} defective, replaced"), ("en", "bad processor"),
        ("en", "{cpu} {n} failure"),
        ("zh-Hant", "{cpu}損毀"), ("zh-Hant", "{cpu}壞掉"), ("zh-Hant", "{cpu}不良"), ("zh-Hant", "{cpu}故障，已更換"),
        ("zh-Hans", "{cpu}坏了"), ("zh-Hans", "{cpu}损坏"), ("zh-Hans", "{cpu}硬件故障"),
        ("zh-Hans", "{cpu}失效，已更换"),
    ),
    "BACKPLANE": (
        ("en", "{bp} failed"), ("en", "faulty {bp}"), ("en", "{bp} defective, replaced"), ("en", "bad backplane"),
        ("en", "SAS backplane failure"),
        ("zh-Hant", "{bp}損壞"), ("zh-Hant", "{bp}壞掉"), ("zh-Hant", "{bp}不良"), ("zh-Hant", "{bp}故障已更換"),
        ("zh-Hans", "{bp}坏了"), ("zh-Hans", "{bp}损坏"), ("zh-Hans", "{bp}硬件故障"), ("zh-Hans", "{bp}失效，已更换"),
    ),
    "FIRMWARE": (
        ("en", "{fw} issue, updated"), ("en", "outdated {fw}, flashed latest"), ("en", "BIOS bug, updated BIOS"),
        ("en", "microcode update required"), ("en", "{fw} problem fixed by upgrade"),
        ("zh-Hant", "{fw}版本過舊，升級後正常"), ("zh-Hant", "{fw}問題，已更新"), ("zh-Hant", "需刷新{fw}"),
        ("zh-Hant", "{fw}有bug，更新解決"),
        ("zh-Hans", "{fw}版本太旧，升级后解决"), ("zh-Hans", "{fw}问题，刷新后正常"), ("zh-Hans", "需要升级{fw}"),
        ("zh-Hans", "{fw}bug，更新后OK"), ("zh-Hans", "{fw}不兼容，升级后正常"),
    ),
}

# The part whose name alone says the cause, for cells like "主板,內存皆損壞" (a component and "both failed").
# Causes without one (logical disk drop, loose slot, firmware) are only joined as two phrases.
CAUSE_NOUN_SLOT = {"DISK_PHYSICAL": "disk", "RAID_CARD": "raid", "MEMORY": "mem", "MOTHERBOARD": "mb",
                   "PCI_BOARD": "pci", "PSU": "psu", "FAN": "fan", "NIC": "nic", "CPU": "cpu", "BACKPLANE": "bp"}

# two causes: {A}, {B} are whole cause phrases, {a}, {b} part names; the first written is the primary cause
JOIN_PHRASES = {
    "en": ("{A} and {B}", "{A} + {B}", "{A}; also {B}", "{A}, plus {B}", "1) {A} 2) {B}"),
    "zh-Hant": ("{A}，同時{B}", "{A}+{B}", "{A}；另外{B}", "{A}、{B}", "{A}，並且{B}"),
    "zh-Hans": ("{A}，同时{B}", "{A} + {B}", "{A}；另外{B}", "{A}、{B}", "{A}，并且{B}"),
}
JOIN_NOUNS = {
    "en": ("{a} and {b} both faulty", "{a} + {b} failed", "bad {a} and {b}", "{a}, {b} both replaced"),
    "zh-Hant": ("{a},{b}皆損壞", "{a}與{b}都壞了", "{a}及{b}均不良", "{a}+{b}故障"),
    "zh-Hans": ("{a}、{b}均损坏", "{a}和{b}都坏了", "{a}+{b}故障", "{a},{b}皆损坏"),
}

# who wrote the cell and when: help-desk intake for symptoms, the on-site finding for causes
SYMPTOM_PREFIXES = ("客戶反映", "客户反映", "客戶反映：", "customer reports ", "cust reported: ", "现场检查：",
                    "現場檢查：", "用戶報修：", "用户报修:", "客户来电：", "電話報修-", "Call: ")
CAUSE_PREFIXES = ("經檢查，", "经检查，", "现场检查：", "現場確認：", "检测结果：", "diag: ", "found: ", "root cause: ",
                  "判定為", "确认为", "after check, ")
SUFFIXES = ("。", ".", "!", "！", "...", "；", " -")
