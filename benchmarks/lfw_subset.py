"""The East-Asian people of Labeled Faces in the Wild, as per-person folders for the face tools.

    .venv/bin/python -m benchmarks.lfw_subset LFW_DIR OUT [--group man|woman|all] [--per-person 15]
    .venv/bin/python -m drivers.face calibrate OUT --recognizer sface --det det.png

``LFW_DIR`` is a copy of LFW (``<Name>/<Name>_NNNN.jpg``); the people are listed in
``benchmarks/lfw_east_asian.tsv`` (Chinese, Japanese and Korean public figures and East-Asian
people from elsewhere, checked by eye; no children). Each person's lowest-numbered photos, up to
``--per-person``, are linked into ``OUT/<Name>/``: links, not copies, and never inside the
repository (LFW is a research benchmark of news photos whose copyright stays with the
photographers). The face zones in config.toml were set with this set (docs/face.md).
"""
from __future__ import annotations

import argparse
from pathlib import Path

NAMES = Path(__file__).with_name("lfw_east_asian.tsv")
REPO = Path(__file__).resolve().parents[1]


def people(group: str) -> list[str]:
    """The listed people of ``group`` (``man``, ``woman`` or ``all``)."""
    rows = [line.split("\t") for line in NAMES.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return [name for name, kind in rows if group in ("all", kind.strip())]


def link_subset(lfw: Path, out: Path, group: str = "man", per_person: int = 15) -> tuple[int, int, list[str]]:
    """Link the photos; returns (people linked, photos linked, listed people missing from ``lfw``)."""
    if out.resolve() == REPO or REPO in out.resolve().parents:
        raise ValueError(f"{out} is inside the repository: the photos must stay out of it")
    linked, photos, missing = 0, 0, []
    for name in people(group):
        files = sorted((lfw / name).glob(f"{name}_*.jpg"))[:per_person]
        if not files:
            missing.append(name)
            continue
        (out / name).mkdir(parents=True, exist_ok=True)
        for file in files:
            target = out / name / file.name
            if not target.exists():
                target.symlink_to(file.resolve())
        linked, photos = linked + 1, photos + len(files)
    return linked, photos, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lfw", type=Path, help="a copy of LFW: <Name>/<Name>_NNNN.jpg")
    parser.add_argument("out", type=Path, help="where the per-person folders of links go (outside the repository)")
    parser.add_argument("--group", choices=("man", "woman", "all"), default="man")
    parser.add_argument("--per-person", type=int, default=15)
    args = parser.parse_args(argv)
    try:
        linked, photos, missing = link_subset(args.lfw, args.out, args.group, args.per_person)
    except ValueError as e:
        print(f"lfw_subset: {e}")
        return 2
    print(f"{linked} people, {photos} photos linked into {args.out}" + (f"; not in {args.lfw}: {', '.join(missing)}" if missing else ""))
    return 0 if linked else 1


if __name__ == "__main__":
    raise SystemExit(main())
