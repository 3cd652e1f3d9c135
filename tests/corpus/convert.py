"""Turn the official sources into the corpus programs under tests/corpus/programs/.

    python tests/corpus/convert.py TF_DOCS_GIT KERAS_GIT

TF_DOCS_GIT and KERAS_GIT are git directories of tensorflow/docs and keras-team/keras (the
`fetch` tool's mirrors). For every entry of `manifest.PROGRAMS` the source is read at its
recorded commit; a notebook becomes its code cells in order (a shell or magic line such as
`!pip install ...` becomes a `# corpus: dropped` comment, as the program is not a notebook);
then the manifest's edits are applied (every occurrence), and the line where an edit ends
gets `# corpus: <why>`. Nothing else changes: what a reader sees unmarked is the official code.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.corpus.manifest import PROGRAMS, SOURCES  # noqa: E402

HEADER = """\
# Corpus program {name!r} for deepfit's tests, from {repo} `{path}` at commit {commit}.
# The original is licensed under the Apache License, Version 2.0
# (https://www.apache.org/licenses/LICENSE-2.0); its own license header, where it has one,
# follows. Converted by tests/corpus/convert.py: {how}; the only changes are the
# data sizes, epochs and download locations on lines marked `# corpus:`.
"""


def git_show(git_dir: str, commit: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def notebook_code(text: str) -> str:
    """The code cells of a notebook, in order, with shell/magic lines commented out."""
    cells = []
    for cell in json.loads(text)["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = []
        for line in "".join(cell["source"]).splitlines():
            if line.lstrip().startswith(("!", "%")):
                line = f"# corpus: dropped (notebook shell/magic line): {line.strip()}"
            lines.append(line)
        cells.append("\n".join(lines).rstrip())
    return "\n\n".join(cells) + "\n"


def apply_edit(code: str, old: str, new: str, why: str) -> str:
    """Replace every occurrence of `old` (at least one) by `new` and mark the line where each
    replacement ends."""
    if old not in code:
        raise ValueError(f"edit {old!r} does not occur in the source")
    pieces = code.split(old)
    out = pieces[0]
    lines = new.split("\n")
    # a line the edit adds (not only its last) is marked too
    new = "\n".join([line if line in old.split("\n") else f"{line}  # corpus: {why}"
                      for line in lines[:-1]] + lines[-1:])
    for piece in pieces[1:]:
        line_end = piece.find("\n")
        line_end = len(piece) if line_end < 0 else line_end
        out += new + piece[:line_end] + f"  # corpus: {why}" + piece[line_end:]
    return out


def convert(name: str, spec: dict, git_dirs: dict[str, str]) -> str:
    repo, commit = SOURCES[spec["repo"]]
    raw = git_show(git_dirs[spec["repo"]], commit, spec["path"])
    is_notebook = spec["path"].endswith(".ipynb")
    code = notebook_code(raw) if is_notebook else raw
    for old, new, why in spec.get("edits", ()):
        code = apply_edit(code, old, new, why)
    how = ("the notebook's code cells in order" if is_notebook else "the script as published")
    header = HEADER.format(name=name, repo=repo, path=spec["path"], commit=commit, how=how)
    return header + "\n" + code


def main(tf_docs: str, keras: str) -> None:
    git_dirs = {"tf-docs": tf_docs, "keras": keras, "keras-io": keras}
    out = HERE / "programs"
    out.mkdir(exist_ok=True)
    for name, spec in PROGRAMS.items():
        (out / f"{name}.py").write_text(convert(name, spec, git_dirs))


if __name__ == "__main__":
    main(*sys.argv[1:3])
