"""Media: the only code that touches PyAV, image files and output paths.

- ``images``: read/write stills (RGB uint8), :class:`MediaError`, size limits.
- ``footage``: probe (decode once, refuse truncation) and iterate a video or a frame folder;
  export frames to paint over.
- ``shots``: shot cuts (PySceneDetect), found frame by frame in the probe's decoding pass.
- ``writers``: H.264 or ProRes 4444 (with alpha) with the source's audio, or a PNG frame folder
  (8 or 16 bits).
- ``outputs``: ``--out`` checks and staged (temporary-name, then rename) outputs.
"""

from .footage import (
    VIDEO_EXTS,
    FootageInfo,
    bundled_clip,
    export_frames,
    iter_frames,
    probe_footage,
)
from .images import (
    IMAGE_EXTS,
    MAX_SIDE,
    MIN_SIDE,
    MediaError,
    frame_files,
    read_image,
    write_image,
)
from .outputs import (
    check_output,
    clean_stale,
    is_frame_output,
    output_kind,
    remove_path,
    resolve_path,
    staged_output,
    swap_in,
    temp_path,
    write_atomic,
)
from .shots import ShotDetector, detect_shots
from .writers import CODECS, OUTPUT_VIDEO_EXTS, FrameFolderWriter, VideoCodec, VideoWriter

__all__ = [
    "CODECS",
    "IMAGE_EXTS",
    "MAX_SIDE",
    "MIN_SIDE",
    "OUTPUT_VIDEO_EXTS",
    "VIDEO_EXTS",
    "FootageInfo",
    "FrameFolderWriter",
    "MediaError",
    "ShotDetector",
    "VideoCodec",
    "VideoWriter",
    "bundled_clip",
    "check_output",
    "clean_stale",
    "detect_shots",
    "export_frames",
    "is_frame_output",
    "frame_files",
    "iter_frames",
    "output_kind",
    "probe_footage",
    "read_image",
    "remove_path",
    "resolve_path",
    "swap_in",
    "temp_path",
    "staged_output",
    "write_atomic",
    "write_image",
]
