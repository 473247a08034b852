"""Dataset formats LocalCVAT reads and writes: CVAT XML for images (``CVAT for images 1.1`` to
export, ``CVAT 1.1`` to import), the format cvat-sdk users default to.

Export writes ``annotations.xml`` (``<image>`` per frame holding ``<box>``, ``<polygon>``,
``<polyline>``, ``<points>``, ``<ellipse>`` and ``<tag>``) and, with ``save_images``, the
frames under ``images/``. Tracks are written as shapes on their keyframes (LocalCVAT does not
interpolate between them). Import reads the same XML, bare or in a zip, matching ``<image>``
elements to frames by file name (else by ``id``) and labels by name; a label the task does not
have fails the import with a message naming it, as the real importer does.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from cvatorm.testing.annotation_data import LabeledData, empty

EXPORT_FORMATS = ("CVAT for images 1.1",)
IMPORT_FORMATS = ("CVAT 1.1",)

_XML_SHAPES = {
    "rectangle": "box",
    "polygon": "polygon",
    "polyline": "polyline",
    "points": "points",
    "ellipse": "ellipse",
}
_SHAPE_OF = {value: key for key, value in _XML_SHAPES.items()}


class FormatError(ValueError):
    """The file is not in the stated format, or does not fit the task."""


@dataclass
class FrameInfo:
    """What an exported ``<image>`` says about a frame."""

    number: int
    name: str
    width: int
    height: int
    subset: str = ""
    task_id: int | None = None
    data: bytes | None = None


def _num(value: float) -> str:
    return f"{value:.2f}"


def _shape_element(parent: ElementTree.Element, shape: dict[str, Any], label: str) -> None:
    tag = _XML_SHAPES.get(shape["type"])
    if tag is None:
        return  # masks, cuboids, skeletons: not written by LocalCVAT's CVAT XML
    attrs = {
        "label": label,
        "source": shape.get("source", "manual"),
        "occluded": "1" if shape.get("occluded") else "0",
        "z_order": str(shape.get("z_order", 0)),
    }
    points = shape.get("points", [])
    if tag == "box":
        attrs.update(
            xtl=_num(points[0]), ytl=_num(points[1]), xbr=_num(points[2]), ybr=_num(points[3])
        )
    elif tag == "ellipse":
        attrs.update(
            cx=_num(points[0]),
            cy=_num(points[1]),
            rx=_num(points[2] - points[0]),
            ry=_num(points[1] - points[3]),
        )
    else:
        attrs["points"] = ";".join(
            f"{_num(points[i])},{_num(points[i + 1])}" for i in range(0, len(points) - 1, 2)
        )
    if shape.get("rotation"):
        attrs["rotation"] = _num(shape["rotation"])
    ElementTree.SubElement(parent, tag, attrs)


def write_xml(
    name: str, frames: list[FrameInfo], data: LabeledData, labels: dict[int, str]
) -> bytes:
    """``annotations.xml`` for these frames (numbered globally) and their annotations."""
    root = ElementTree.Element("annotations")
    ElementTree.SubElement(root, "version").text = "1.1"
    meta = ElementTree.SubElement(root, "meta")
    job = ElementTree.SubElement(meta, "job")
    ElementTree.SubElement(job, "name").text = name
    ElementTree.SubElement(job, "size").text = str(len(frames))
    label_list = ElementTree.SubElement(job, "labels")
    for label_name in sorted(set(labels.values())):
        ElementTree.SubElement(
            ElementTree.SubElement(label_list, "label"), "name"
        ).text = label_name
    by_frame: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for shape in data["shapes"]:
        by_frame.setdefault(shape["frame"], []).append(("shape", shape))
    for track in data["tracks"]:
        for shape in track["shapes"]:
            if not shape.get("outside"):
                keyed = {**shape, "source": track.get("source", "manual")}
                by_frame.setdefault(shape["frame"], []).append(
                    ("track", keyed | {"label_id": track["label_id"]})
                )
    for tag in data["tags"]:
        by_frame.setdefault(tag["frame"], []).append(("tag", tag))
    for frame in frames:
        attrs = {
            "id": str(frame.number),
            "name": frame.name,
            "width": str(frame.width),
            "height": str(frame.height),
        }
        if frame.subset:
            attrs["subset"] = frame.subset
        if frame.task_id is not None:
            attrs["task_id"] = str(frame.task_id)
        image = ElementTree.SubElement(root, "image", attrs)
        for kind, obj in by_frame.get(frame.number, []):
            label = labels.get(obj["label_id"], str(obj["label_id"]))
            if kind == "tag":
                ElementTree.SubElement(
                    image, "tag", {"label": label, "source": obj.get("source", "manual")}
                )
            else:
                _shape_element(image, obj, label)
    buffer = io.BytesIO()
    ElementTree.ElementTree(root).write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue()


def dataset_zip(xml: bytes, frames: list[FrameInfo], save_images: bool) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("annotations.xml", xml)
        if save_images:
            for frame in frames:
                if frame.data is not None:
                    folder = f"images/{frame.subset}/" if frame.subset else "images/"
                    archive.writestr(folder + frame.name, frame.data)
    return buffer.getvalue()


def read_archive(data: bytes) -> tuple[bytes, dict[str, bytes]]:
    """(annotations.xml, images by path) of a dataset zip, or the XML itself."""
    if data[:4] != b"PK\x03\x04":
        return data, {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            xml_names = [n for n in names if n.endswith(".xml")]
            if not xml_names:
                raise FormatError("Dataset file should contain an annotations.xml file")
            images = {
                n: archive.read(n) for n in names if n.startswith("images/") and not n.endswith("/")
            }
            return archive.read(sorted(xml_names, key=len)[0]), images
    except zipfile.BadZipFile as error:
        raise FormatError(f"Cannot read the archive: {error}") from None


@dataclass
class ParsedImage:
    number: int
    name: str
    subset: str
    items: list[tuple[str, dict[str, Any]]]


def parse_xml(xml: bytes) -> list[ParsedImage]:
    """The ``<image>`` elements of CVAT XML with their tags and shapes (labels by name)."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as error:
        raise FormatError(f"Failed to parse the CVAT XML file: {error}") from None
    if root.tag != "annotations":
        raise FormatError("Not a CVAT XML file: the root element must be <annotations>")
    images = []
    for image in root.iter("image"):
        items: list[tuple[str, dict[str, Any]]] = []
        for child in image:
            label = child.get("label")
            if label is None:
                continue
            if child.tag == "tag":
                items.append(("tag", {"label": label, "source": child.get("source", "file")}))
                continue
            shape_type = _SHAPE_OF.get(child.tag)
            if shape_type is None:
                continue
            items.append(("shape", _parse_shape(child, shape_type, label)))
        images.append(
            ParsedImage(
                number=int(image.get("id", "0")),
                name=image.get("name", ""),
                subset=image.get("subset", ""),
                items=items,
            )
        )
    return images


def _parse_shape(element: ElementTree.Element, shape_type: str, label: str) -> dict[str, Any]:
    try:
        if shape_type == "rectangle":
            points = [float(element.get(k, "")) for k in ("xtl", "ytl", "xbr", "ybr")]
        elif shape_type == "ellipse":
            cx, cy = float(element.get("cx", "")), float(element.get("cy", ""))
            rx, ry = float(element.get("rx", "")), float(element.get("ry", ""))
            points = [cx, cy, cx + rx, cy - ry]
        else:
            points = [
                float(value)
                for pair in (element.get("points") or "").split(";")
                if pair
                for value in pair.split(",")
            ]
    except ValueError:
        raise FormatError(f"Invalid coordinates in a <{element.tag}> element") from None
    return {
        "label": label,
        "type": shape_type,
        "points": points,
        "occluded": element.get("occluded") == "1",
        "z_order": int(element.get("z_order", "0")),
        "rotation": float(element.get("rotation", "0")),
        "source": element.get("source", "file"),
    }


def to_labeled_data(
    images: list[ParsedImage], frame_by_name: dict[str, int], size: int, labels: dict[str, int]
) -> LabeledData:
    """Imported ``<image>`` elements as ``LabeledData`` of a task with these frames/labels."""
    data = empty()
    for image in images:
        base = image.name.rsplit("/", 1)[-1]
        frame = frame_by_name.get(image.name, frame_by_name.get(base, image.number))
        if not 0 <= frame < size:
            raise FormatError(f"Could not match the image '{image.name}' to a frame of the task")
        for kind, item in image.items:
            if item["label"] not in labels:
                raise FormatError(f"Label '{item['label']}' is not registered for this task")
            obj = {key: value for key, value in item.items() if key != "label"}
            obj.update(frame=frame, label_id=labels[item["label"]])
            data["tags" if kind == "tag" else "shapes"].append(obj)
    return data
