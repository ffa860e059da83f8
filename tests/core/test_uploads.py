"""Finding 10.1: core.uploads judges an upload by its content, never by the client's Content-Type or name.

An HTML page sent as `photos=@x.html;type=image/jpeg` was stored and served back as a page whose script
read customers' personal data. These tests check the shared validator that every upload path calls.
"""

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.uploads import clean_attachment, clean_image
from tests.factories import image_bytes

HTML = b"<!doctype html><script>fetch('/api/v1/customers/1/reveal/', {method: 'POST'})</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
GENERATED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|pdf|docx)$")
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def messages(error: ValidationError) -> str:
    return " ".join(error.value.messages)


@pytest.mark.parametrize("check", [clean_image, clean_attachment])
def test_finding_10_1_an_html_page_declared_as_a_jpeg_is_refused(check):
    with pytest.raises(ValidationError) as error:
        check(upload("x.jpg", HTML), field="photos")
    assert "x.jpg" in messages(error)
    assert set(error.value.message_dict) == {"photos"}


@pytest.mark.parametrize("check", [clean_image, clean_attachment])
def test_finding_10_1_an_svg_is_refused_whatever_it_is_called(check):
    for name, content_type in [("plan.svg", "image/svg+xml"), ("plan.png", "image/png")]:
        with pytest.raises(ValidationError):
            check(upload(name, SVG, content_type))


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xd8\xff\xe0" + b"0" * 64,  # a JPEG's first bytes, then garbage
        b"\x89PNG\r\n\x1a\n" + HTML,  # a PNG's signature in front of a page
        b"GIF89a/*" + b"\x00" * 8 + b"*/=1;" + HTML,  # a GIF/script polyglot (and GIF is not accepted)
        image_bytes()[:120],  # a JPEG cut short
    ],
)
@pytest.mark.parametrize("check", [clean_image, clean_attachment])
def test_finding_10_1_a_garbage_or_polyglot_image_is_refused(check, content):
    with pytest.raises(ValidationError):
        check(upload("photo.jpg", content))


def test_finding_10_1_a_script_hidden_after_a_real_jpeg_is_not_stored():
    checked = clean_image(upload("photo.jpg", image_bytes() + HTML))
    stored = checked.file.read()
    assert b"<script" not in stored and stored.startswith(b"\xff\xd8")


def test_finding_10_1_a_real_jpeg_is_re_encoded_without_exif_under_a_generated_name():
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"
    exif[ORIENTATION] = 6  # taken with the phone on its side: the pixels must turn, not just a tag
    exif[GPS_IFD] = {1: "N", 2: (22.0, 32.0, 10.0), 3: "E", 4: (113.0, 56.0, 2.0)}
    original = image_bytes("JPEG", width=40, height=20, exif=exif)
    assert Image.open(io.BytesIO(original)).getexif().get(GPS_IFD)

    checked = clean_image(upload("客厅 裂缝.JPEG", original, "application/octet-stream"))

    assert GENERATED_NAME.match(checked.file.name) and checked.file.name.endswith(".jpg")
    assert checked.content_type == "image/jpeg"
    assert checked.display_name == "客厅 裂缝.jpg"
    stored = checked.file.read()
    assert stored != original and checked.size == len(stored)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {} and "exif" not in image.info
    assert image.size == (20, 40)  # upright


def test_png_and_webp_keep_their_format_and_get_their_extension():
    for image_format, extension in [("PNG", "png"), ("WEBP", "webp")]:
        checked = clean_image(upload(f"p.{extension}", image_bytes(image_format), "text/plain"))
        assert checked.file.name.endswith(f".{extension}")
        assert Image.open(checked.file).format == image_format


def test_a_signature_may_be_limited_to_png():
    with pytest.raises(ValidationError) as error:
        clean_image(upload("signature.png", image_bytes("JPEG")), formats=("PNG",))
    assert "PNG" in messages(error)


def test_too_large_and_too_many_pixels_are_refused_before_decoding():
    with pytest.raises(ValidationError) as error:
        clean_image(upload("big.jpg", image_bytes()), max_bytes=100)
    assert "larger than" in messages(error)
    huge = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(huge, "PNG")  # 60 million pixels in a few kB
    with pytest.raises(ValidationError) as error:
        clean_image(upload("huge.png", huge.getvalue(), "image/png"))
    assert "too many pixels" in messages(error)


def test_finding_10_1_a_pdf_attachment_is_recognised_by_its_content():
    checked = clean_attachment(
        upload("维修报价.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 200, "text/html")
    )
    assert checked.content_type == "application/pdf"
    assert GENERATED_NAME.match(checked.file.name) and checked.file.name.endswith(".pdf")
    assert checked.display_name == "维修报价.pdf"


def test_a_word_document_is_accepted_and_a_program_or_a_page_named_pdf_is_not():
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    checked = clean_attachment(upload("方案.docx", docx.getvalue(), "application/octet-stream"))
    assert checked.file.name.endswith(".docx")
    for name, content in [("setup.exe", b"MZ\x90\x00" + b"\x00" * 200), ("x.pdf", HTML)]:
        with pytest.raises(ValidationError) as error:
            clean_attachment(upload(name, content, "application/pdf"), field="attachments")
        assert "photos, PDF, Word, audio or video files only" in messages(error)


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError):
        clean_attachment(upload("empty.pdf", b"", "application/pdf"))
