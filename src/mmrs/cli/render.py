"""``mmrs render``: the article and the supplement, with Quarto or as a pandoc preview (see :mod:`mmrs.manuscript`)."""

from __future__ import annotations

import argparse

from .. import paths


def add_parser(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("render", help="render the article and the supplement (Quarto, or a pandoc preview)",
                       description="With quarto on PATH, render the manuscript project: the article into "
                                   "_manuscript/ (HTML, DOCX, PDF through Typst, JATS XML, MECA archive) and the "
                                   "supplement into _manuscript/supplement/ (HTML, DOCX, PDF). Without it, write a "
                                   "preview of both (HTML and DOCX) with pandoc to _preview/.")
    r.add_argument("--out", metavar="DIR", help="output folder of the build whose results to render (default: .)")
    r.add_argument("--preview", action="store_true", help="write the pandoc preview even where quarto is installed")
    r.add_argument("--force", action="store_true",
                   help="render with Quarto even when nothing the documents read has changed since the last render")
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import manuscript  # imported here: every command builds this parser, few need nbformat

    layout = paths.layout(out_dir=args.out or ".")
    root = paths.project_root()
    manuscript.write_colophon()
    manuscript.write_result_map(layout)
    use_quarto = manuscript.quarto_command() and not args.preview
    if use_quarto and layout.out.resolve() != root.resolve():
        # Quarto renders the project's own notebooks; another output folder gets the preview
        print(f"Quarto renders the project's own notebooks, not those in {paths.display(layout.out)}: "
              "writing the pandoc preview of that folder instead.")
        use_quarto = False
    if use_quarto:
        written = manuscript.render_quarto(root, force=args.force)
        print("Rendered the manuscript with Quarto:")
        for path in written:
            print(f"  {paths.display(path)}")
        return 0
    written = manuscript.render_preview(layout)
    print("Quarto is not installed: wrote a pandoc preview" if not manuscript.quarto_command() else "Wrote a pandoc preview")
    for path in written:
        print(f"  {paths.display(path)}")
    if not manuscript.quarto_command():
        print("For the full render (HTML, DOCX and PDF, notebooks linked), install Quarto "
              "(https://quarto.org/docs/get-started/) and run `make paper` again.")
    return 0
