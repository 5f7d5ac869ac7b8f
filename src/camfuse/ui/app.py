"""``camfuse ui``: the artist's path in a web page (Gradio), on this machine.

Load footage (upload or a path), scrub to a frame and export it to paint over, add keyframes
(frame number + paint-over; several, each removable) or a style reference, an optional mask, then
preview one frame and render the shot with a progress bar (adaptation steps, then frames) and a
Cancel button; the result plays beside a side-by-side, with downloads (mp4, PNG zip).

Every action calls :class:`camfuse.ui.session.Session`, which calls the CLI's Python API; a bad
input shows the CLI's one-line message in the page (a Gradio error toast), never a trace. Each
tab has its own session folder (uploads are moved into it), deleted when the tab closes. Renders
and previews from all tabs share one queue slot (``concurrency_id="render"``, limit 1): a second
tab waits, it does not interleave. The server binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
from pathlib import Path

import gradio as gr  # handlers' `gr.Request` hints are resolved in this module's globals

from ..media import MediaError
from .session import Cancelled, Session

log = logging.getLogger(__name__)

FONTS = ["ui-sans-serif", "system-ui", "sans-serif"]  # no web fonts: the app works offline


def build_app(*, checkpoint: str | None = None, device: str = "auto"):
    """The Gradio Blocks app (not launched)."""
    sessions: dict[str, Session] = {}

    def session(request: gr.Request) -> Session:
        key = request.session_hash or "default"
        if key not in sessions:
            sessions[key] = Session()
        return sessions[key]

    def close(request: gr.Request) -> None:
        s = sessions.pop(request.session_hash or "default", None)
        if s is not None:
            s.cancel.set()
            s.close()

    def guarded(fn):
        """Bad input -> the one-line message in the page (the CLI's), not a trace."""

        @functools.wraps(fn)  # Gradio reads the signature (gr.Request, gr.Progress) through it
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except (ValueError, OSError) as exc:  # MediaError, CheckpointError are ValueErrors
                raise gr.Error(str(exc).splitlines()[0], print_exception=False) from None

        return run

    def keys_text(keys: dict[int, Path]) -> str:
        if not keys:
            return "No keyframes yet."
        return "Keyframes: " + ", ".join(f"**{k}** ({p.name})" for k, p in keys.items())

    @guarded
    def load(upload, path, request: gr.Request):
        s = session(request)
        if upload:
            info = s.load_footage(upload, upload=True)
        elif path and path.strip():
            info = s.load_footage(path.strip(), upload=False)
        else:
            raise ValueError("upload footage or type a path on this machine")
        shots = len(info.shots or ()) or 1
        first = s.export_frame(0)
        text = (
            f"**{info.path.name}**: {info.frames} frames, {info.size}"
            f"{f', {float(info.fps):.2f} fps' if info.fps else ''}, {shots} shot(s)"
        )
        return (
            text,
            gr.update(maximum=info.frames - 1, value=0, interactive=True),
            str(first),
            gr.update(value=str(first)),
            gr.update(maximum=info.frames - 1, value=0),
            gr.update(value=info.frames),
            keys_text({}),
            gr.update(choices=[], value=None),
            s.adapt_estimate(256),
        )

    @guarded
    def scrub(i, request: gr.Request):
        """Show frame i; it is also what "Export this frame" downloads (a PNG named by number)."""
        path = str(session(request).export_frame(int(i)))
        return path, gr.update(value=int(i)), gr.update(value=path)

    @guarded
    def add_key(frame, paint, request: gr.Request):
        if paint is None:
            raise ValueError("upload the paint-over of that frame first")
        keys = session(request).add_key(int(frame), paint)
        return keys_text(keys), gr.update(choices=[str(k) for k in keys], value=None), None

    @guarded
    def remove_key(which, request: gr.Request):
        if which in (None, ""):
            raise ValueError("choose the keyframe to remove")
        keys = session(request).remove_key(int(which))
        return keys_text(keys), gr.update(choices=[str(k) for k in keys], value=None)

    @guarded
    def set_reference(paint, request: gr.Request):
        session(request).set_reference(paint)
        return "Style reference set." if paint else "No style reference."

    @guarded
    def set_mask(mask, path, request: gr.Request):
        session(request).set_mask(mask or (path.strip() if path and path.strip() else None))
        return "Mask set." if (mask or (path and path.strip())) else "No mask."

    @guarded
    def estimate(size, adapt, request: gr.Request):
        s = session(request)
        if s.footage is None:
            return ""
        return s.adapt_estimate(int(size)) if adapt else "adaptation off: rendering starts at once"

    def options(strength, size, adapt) -> dict:
        return {
            "strength": float(strength),
            "size": int(size),
            "checkpoint": checkpoint,
            "device": device,
            "adapt": "auto" if adapt else "off",
        }

    @guarded
    def preview(i, strength, size, adapt, request: gr.Request):
        s = session(request)
        opts = options(strength, size, adapt) | {"adapt": "0" if adapt else "off"}
        return s.frame(int(i)), s.preview(int(i), **opts)

    @guarded
    def render(strength, size, adapt, start, end, request: gr.Request, progress=gr.Progress()):
        s = session(request)
        progress(0, desc="starting")

        def on_progress(i: int, n: int) -> None:
            progress((i, n), desc="rendering frames", unit="frames")

        def on_adapt(i: int, n: int, loss: float) -> None:
            progress((i, n), desc=f"adapting to the paint (loss {loss:.3f})", unit="steps")

        try:
            files = s.render_all(
                start=int(start),
                end=int(end),
                on_progress=on_progress,
                on_adapt=on_adapt,
                **options(strength, size, adapt),
            )
        except Cancelled:
            return "Render cancelled.", None, None, gr.update(), gr.update()
        w, h = files.size
        text = f"Rendered {files.frames} frames at {w}x{h}."
        return (
            text,
            str(files.video),
            str(files.side_by_side),
            gr.update(value=str(files.video), interactive=True),
            gr.update(value=str(files.frames_zip), interactive=True),
        )

    def cancel(request: gr.Request):
        session(request).cancel.set()
        return "Cancelling…"

    with gr.Blocks(title="camfuse", delete_cache=(600, 3600)) as app:
        gr.Markdown(
            "# camfuse\nPaint over a frame of your footage (or pick any artwork as a style "
            "reference); camfuse renders the whole shot in that look."
        )
        with gr.Row():
            with gr.Column():
                footage_file = gr.File(label="1. Footage (upload)", elem_id="footage-file")
                footage_path = gr.Textbox(
                    label="…or a path on this machine", elem_id="footage-path", max_lines=1
                )
                load_btn = gr.Button("Load footage", elem_id="load")
                info = gr.Markdown(elem_id="footage-info")
            with gr.Column():
                scrubber = gr.Slider(0, 1, step=1, value=0, label="Frame", elem_id="scrub",
                                     interactive=False)  # fmt: skip
                frame_img = gr.Image(label="Footage frame", interactive=False, elem_id="frame")
                export_btn = gr.DownloadButton("Export this frame (PNG) to paint over",
                                               elem_id="export")  # fmt: skip
        with gr.Tab("2. Keyframes (paint-over)"):
            with gr.Row():
                key_frame = gr.Number(label="Keyframe number", precision=0, value=0,
                                      elem_id="key-frame")  # fmt: skip
                key_paint = gr.File(label="Paint-over of that frame (PNG/JPG/WebP/TIFF; "
                                    "transparent = keep the footage)", elem_id="key-paint")  # fmt: skip
            with gr.Row():
                add_btn = gr.Button("Add keyframe", elem_id="add-key")
                remove_which = gr.Dropdown(label="Keyframe to remove", choices=[],
                                           elem_id="remove-which")  # fmt: skip
                remove_btn = gr.Button("Remove keyframe", elem_id="remove-key")
            keys_md = gr.Markdown("No keyframes yet.", elem_id="keys")
        with gr.Tab("…or a style reference"):
            reference = gr.File(label="Any artwork (used when there is no keyframe)",
                                elem_id="reference")  # fmt: skip
            reference_md = gr.Markdown(elem_id="reference-info")
        with gr.Accordion("3. Options", open=True):
            with gr.Row():
                mask = gr.File(label="Mask video (optional; white = paint)", elem_id="mask")
                mask_path = gr.Textbox(label="…or a mask path (video or frame folder)",
                                       elem_id="mask-path", max_lines=1)  # fmt: skip
                mask_md = gr.Markdown(elem_id="mask-info")
            with gr.Row():
                strength = gr.Slider(0, 1, value=1, step=0.05, label="Strength", elem_id="strength")
                size = gr.Slider(128, 1024, value=256, step=16, label="Working size (long side, px)",
                                 elem_id="size")  # fmt: skip
                adapt = gr.Checkbox(value=True, label="Adaptation (learn the paint first)",
                                    elem_id="adapt")  # fmt: skip
            with gr.Row():
                start = gr.Number(label="First frame", precision=0, value=0, elem_id="start")
                end = gr.Number(label="Stop before frame", precision=0, value=1, elem_id="end")
                estimate_md = gr.Markdown(elem_id="estimate")
        with gr.Row():
            preview_btn = gr.Button("4. Preview this frame", elem_id="preview")
            render_btn = gr.Button("5. Render", variant="primary", elem_id="render")
            cancel_btn = gr.Button("Cancel", elem_id="cancel", variant="stop")
        status = gr.Markdown(elem_id="status")
        with gr.Row():
            preview_src = gr.Image(label="Footage", interactive=False, elem_id="preview-src")
            preview_out = gr.Image(label="Preview", interactive=False, elem_id="preview-out")
        with gr.Row():
            result = gr.Video(label="Result", elem_id="result", interactive=False)
            side = gr.Video(label="Footage | result", elem_id="side", interactive=False)
        with gr.Row():
            dl_mp4 = gr.DownloadButton("Download mp4", elem_id="dl-mp4", interactive=False)
            dl_zip = gr.DownloadButton("Download PNG frames (zip)", elem_id="dl-zip",
                                       interactive=False)  # fmt: skip

        quick = {"concurrency_limit": None}  # scrubbing never waits behind a render
        load_btn.click(load, [footage_file, footage_path],
                       [info, scrubber, frame_img, export_btn, key_frame, end, keys_md,
                        remove_which, estimate_md], **quick)  # fmt: skip
        scrubber.change(scrub, [scrubber], [frame_img, key_frame, export_btn],
                        trigger_mode="always_last", **quick)  # fmt: skip
        add_btn.click(add_key, [key_frame, key_paint], [keys_md, remove_which, key_paint],
                      **quick)  # fmt: skip
        remove_btn.click(remove_key, [remove_which], [keys_md, remove_which], **quick)
        reference.change(set_reference, [reference], [reference_md], **quick)
        mask.change(set_mask, [mask, mask_path], [mask_md], **quick)
        mask_path.submit(set_mask, [mask, mask_path], [mask_md], **quick)
        for c in (size, adapt):
            c.change(estimate, [size, adapt], [estimate_md], **quick)
        slot = {"concurrency_id": "render", "concurrency_limit": 1}
        preview_btn.click(preview, [scrubber, strength, size, adapt], [preview_src, preview_out],
                          **slot)  # fmt: skip
        render_btn.click(render, [strength, size, adapt, start, end],
                         [status, result, side, dl_mp4, dl_zip], **slot)  # fmt: skip
        cancel_btn.click(cancel, None, [status], **quick)
        app.unload(close)
    return app


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    checkpoint: str | None = None,
    device: str = "auto",
    block: bool = True,
):
    """Start the app; ``block=False`` returns the running app (tests call ``app.close()``)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    if "GRADIO_TEMP_DIR" not in os.environ:  # Gradio's own copies of files, apart from sessions
        os.environ["GRADIO_TEMP_DIR"] = tempfile.mkdtemp(prefix="camfuse-gradio-")
    if not 1 <= port <= 65535:
        raise ValueError(f"--port must be in 1..65535, got {port}")
    if checkpoint is not None and not Path(checkpoint).is_file():
        raise MediaError(f"model file not found: {checkpoint}")
    app = build_app(checkpoint=checkpoint, device=device)
    app.queue()
    theme = gr.themes.Default(font=FONTS, font_mono=["ui-monospace", "monospace"])
    try:
        app.launch(server_name=host, server_port=port, prevent_thread_lock=not block,
                   ssr_mode=False, quiet=not block, show_error=False, theme=theme,
                   footer_links=[])  # fmt: skip
    except OSError as exc:
        raise MediaError(f"cannot serve on {host}:{port}: {exc}") from None
    return app


__all__ = ["build_app", "serve"]
