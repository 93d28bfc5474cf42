"""Uploaded files are checked by extension, by their first bytes and by size."""

from django.core.exceptions import ValidationError

SIGNATURES = {
    ".pdf": [b"%PDF"],
    ".png": [b"\x89PNG\r\n\x1a\n"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".docx": [b"PK\x03\x04"],
    ".xlsx": [b"PK\x03\x04"],
}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def validate_upload(
    file, *, allowed=(".pdf", ".png", ".jpg", ".jpeg", ".docx"), max_bytes=MAX_UPLOAD_BYTES, field="file"
):
    name = (getattr(file, "name", "") or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    if extension not in allowed:
        raise ValidationError({field: f"不支持的文件类型，仅允许：{'、'.join(allowed)}。"})
    if file.size > max_bytes:
        raise ValidationError({field: f"文件不能超过 {max_bytes // (1024 * 1024)} MB。"})
    head = file.read(8)
    file.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES[extension]):
        raise ValidationError({field: "文件内容与扩展名不符。"})
