#!/usr/bin/env python3
"""Writes a small OFD e-licence (营业执照, two A4 pages of text) to seal in the README walk-through and the
benchmarks: python3 samples/make-licence.py OUT.ofd [PAGES] [PADDING_BYTES]. Standard library only."""
import random
import sys
import zipfile

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
LINES = [["营业执照", "统一社会信用代码 91350100M000100Y43", "名称 某某科技有限公司", "类型 有限责任公司",
          "法定代表人 李四", "成立日期 2026年01月05日"],
         ["经营范围 软件开发；信息系统集成服务", "住所 福建省福州市鼓楼区某某路1号", "登记机关（盖章）",
          "2026年12月03日"]]


def page(lines):
    objects = "".join(
        f'<ofd:TextObject ID="{10 + i}" Boundary="30 {40 + 14 * i} 160 8" Font="3" Size="5">'
        f'<ofd:TextCode X="0" Y="5" DeltaX="g {max(len(text) - 1, 0)} 5">{text}</ofd:TextCode></ofd:TextObject>'
        for i, text in enumerate(lines))
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {NS}><ofd:Content><ofd:Layer ID="2">{objects}'
            f'</ofd:Layer></ofd:Content></ofd:Page>')


def main() -> int:
    out = sys.argv[1]
    pages = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    padding = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    page_list = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(pages))
    files = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {NS} DocType="OFD" Version="1.1"><ofd:DocBody>'
                   '<ofd:DocInfo><ofd:DocID>3a6b1f0e2c4d4e8f9a0b1c2d3e4f5a6b</ofd:DocID><ofd:Title>营业执照</ofd:Title>'
                   '</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {NS}><ofd:CommonData>'
                              '<ofd:MaxUnitID>100</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297'
                              '</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>'
                              f'</ofd:CommonData><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>',
        "Doc_0/PublicRes.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {NS} BaseLoc="Res"><ofd:Fonts>'
                               '<ofd:Font ID="3" FontName="SimSun" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
    }
    for i in range(pages):
        files[f"Doc_0/Pages/Page_{i}/Content.xml"] = page(LINES[min(i, 1)] if i in (0, pages - 1) else [f"第{i + 1}页"])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
        if padding:
            noise = bytes(random.randrange(256) for _ in range(padding))
            archive.writestr("Doc_0/Res/scan.bin", noise)
    return 0


if __name__ == "__main__":
    sys.exit(main())
