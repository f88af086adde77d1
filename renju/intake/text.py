"""Reading what the channels' spreadsheets and exports send as CSV text."""

from __future__ import annotations


def decode_csv_bytes(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM) first, else GB18030 (a superset of the GBK that Excel in
    China saves CSV as). ValueError when neither reads it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("无法识别文件编码（应为 UTF-8 或 GBK）")
