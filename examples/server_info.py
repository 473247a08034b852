"""What the server offers: its version, its formats, its optional parts, its share.

Checks a format name before an export would start, walks the server's share lazily (stopping
after a few files, so only the folders it reached are asked for) and shows what a typo in a
format name gives. Changes nothing on the server.

Runs against the CVAT server of ``CVAT_URL`` (``CVAT_USERNAME``/``CVAT_PASSWORD``), or the
embedded test server without one.
"""

from __future__ import annotations

from itertools import islice

import cvatorm
from cvatorm.exceptions import UnknownFormatError


def main() -> None:
    with cvatorm.connect_or_embedded() as client:
        about = client.about()
        print(f"{about.name} {about.version}")
        plugins = client.plugins()
        print(f"serverless functions: {plugins.models}, analytics: {plugins.analytics}")

        formats = client.annotation_formats()
        print(
            f"{len(formats.names('export'))} export formats, "
            f"{len(formats.names('import'))} import formats"
        )
        cvat = client.check_format("CVAT for images 1.1", "export")
        print(f"{cvat.name} writes {', '.join(cvat.extensions)}")
        try:
            client.check_format("CVAT for image 1.1", "export")
        except UnknownFormatError as error:
            print(f"a typo: {error}")

        print("the share, the first files found:")
        files = (entry for entry in client.share(recursive=True) if not entry.is_dir)
        for entry in islice(files, 3):
            print(f"  {entry.path} ({entry.mime_type})")


if __name__ == "__main__":
    main()
