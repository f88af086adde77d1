"""Word to PDF through LibreOffice, and PDF pages to PNG through poppler, for the reports' PDF format and previews.

Both are optional at run time: `libreoffice_available()` says whether PDF can be made here, and every function
raises OfficeUnavailable with what to install when it cannot.

Each conversion runs `soffice` with its own throw-away profile (-env:UserInstallation): two conversions sharing the
default profile lock each other out, and the second fails or hangs. For rendering only, a fontconfig file maps the
official documents' font names (仿宋_GB2312, 方正小标宋简体 …) to the CJK fonts installed here when those fonts are
missing, so a preview shows serif and sans where the document asks for them; the document itself is not changed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 120

# Document font → the family fontconfig should use when the document's own font is not installed (rendering only).
PREVIEW_FONTS = {
    "方正小标宋简体": "Noto Serif CJK SC", "仿宋_GB2312": "Noto Serif CJK SC", "仿宋": "Noto Serif CJK SC",
    "FangSong": "Noto Serif CJK SC", "楷体_GB2312": "Noto Serif CJK SC", "楷体": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC", "SimSun": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC", "SimHei": "Noto Sans CJK SC",
}


class OfficeUnavailable(RuntimeError):
    """LibreOffice or poppler is not installed (or failed): PDF output cannot be made on this machine."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_available() -> bool:
    return soffice_path() is not None


def to_pdf(path: Path | str, outdir: Path | str | None = None, timeout: int = TIMEOUT_SECONDS) -> Path:
    """Convert a .docx (or .xlsx) to PDF beside it (or in `outdir`); returns the PDF's path."""
    source = Path(path).resolve()
    if not source.is_file():
        raise FileNotFoundError(source)
    soffice = soffice_path()
    if soffice is None:
        raise OfficeUnavailable("PDF needs LibreOffice: install it (Debian: apt-get install libreoffice-writer "
                                "fonts-noto-cjk) or ask for docx")
    target_dir = Path(outdir).resolve() if outdir else source.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    pdf = target_dir / (source.stem + ".pdf")
    pdf.unlink(missing_ok=True)
    said = ""
    # A fresh profile's first start now and then exits without converting (more so on a loaded machine); one more
    # try with another fresh profile is what a person would do.
    for _attempt in range(2):
        said = _convert(soffice, source, target_dir, timeout)
        if pdf.is_file():
            return pdf
    raise OfficeUnavailable(f"LibreOffice could not convert {source.name}: {said}")


def _convert(soffice: str, source: Path, target_dir: Path, timeout: int) -> str:
    """Run one conversion with its own throw-away profile; returns what soffice said (for the error message)."""
    with tempfile.TemporaryDirectory(prefix="renju-soffice-") as profile:
        env = {**os.environ, "HOME": profile, "FONTCONFIG_FILE": str(_fontconfig(Path(profile)))}
        command = [
            soffice, f"-env:UserInstallation=file://{profile}/user", "--headless", "--norestore", "--nologo",
            "--convert-to", "pdf", "--outdir", str(target_dir), str(source),
        ]
        # Its own session, so a conversion that hangs is stopped with everything it started (soffice is a launcher
        # script that starts soffice.bin, which would outlive a kill of the script alone).
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                              start_new_session=True) as process:
            try:
                out, err = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise OfficeUnavailable(f"LibreOffice took more than {timeout} s to convert {source.name}") from None
    return f"exit {process.returncode}: {(err or out)[-500:]}"


def docx_to_pdf_bytes(data: bytes, name: str = "document.docx") -> bytes:
    """The PDF of a document held in memory (what `--format pdf` and the download views serve)."""
    with tempfile.TemporaryDirectory(prefix="renju-pdf-") as workdir:
        source = Path(workdir) / name
        source.write_bytes(data)
        return to_pdf(source).read_bytes()


def pdf_to_png(pdf: Path | str, dpi: int = 80, outdir: Path | str | None = None,
               timeout: int = TIMEOUT_SECONDS) -> list[Path]:
    """Render each page of a PDF to PNG (name-1.png, name-2.png …), in page order."""
    source = Path(pdf).resolve()
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise OfficeUnavailable("PNG previews need pdftoppm: install poppler-utils")
    target_dir = Path(outdir).resolve() if outdir else source.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    prefix = target_dir / source.stem
    try:
        result = subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(source), str(prefix)],
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise OfficeUnavailable(f"pdftoppm took more than {timeout} s on {source.name}") from None
    if result.returncode != 0:
        raise OfficeUnavailable(f"pdftoppm failed on {source.name}: {result.stderr[-500:]}")
    # pdftoppm pads page numbers to the width of the last one (-01 … -12), so sort by the number, not the name.
    pattern = re.compile(re.escape(source.stem) + r"-(\d+)\.png")
    pages = [(int(m.group(1)), p) for p in target_dir.iterdir() if (m := pattern.fullmatch(p.name))]
    return [p for _, p in sorted(pages)]


def _fontconfig(directory: Path) -> Path:
    """A fontconfig file: the system's configuration plus the preview substitutions above."""
    aliases = "\n".join(
        f"  <alias binding=\"same\"><family>{name}</family><accept><family>{family}</family></accept></alias>"
        for name, family in PREVIEW_FONTS.items()
    )
    path = directory / "fonts.conf"
    system = "/etc/fonts/fonts.conf"
    include = f"  <include ignore_missing=\"yes\">{system}</include>\n" if Path(system).exists() else ""
    path.write_text(f"<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n{include}"
                    f"{aliases}\n</fontconfig>\n", encoding="utf-8")
    return path
