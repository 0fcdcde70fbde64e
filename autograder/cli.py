"""``autograder release | grade | collect | check``: see the top-level README."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description="Release, grade and check the course's assignments.")
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="regenerate exercises/ from solutions/ with nbgrader")
    rel.add_argument("assignments", nargs="*", help="default: every assignment in solutions/")
    rel.add_argument("--check", action="store_true", help="exit 1 when exercises/ is stale; change nothing")
    rel.add_argument("--course", type=Path, default=None, help="course root (default: this repo)")
    grade = sub.add_parser("grade", help="grade submissions against the hidden tests")
    grade.add_argument("assignment")
    grade.add_argument("submitted", type=Path, help="<dir>/<student>/<assignment>/<assignment>.ipynb layout, "
                                                    "a directory of .ipynb files, or one .ipynb")
    grade.add_argument("--out", type=Path, default=Path("grading-out"), help="output directory (default: grading-out)")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    grade.add_argument("--force", action="store_true", help="regrade submissions that already have results")
    grade.add_argument("--set", action="append", default=[], metavar="LIMIT=VALUE",
                       help="override a limit of the notebook, e.g. --set test_timeout=10 (repeatable)")
    grade.add_argument("--course", type=Path, default=None, help="course root holding solutions/ (default: this repo)")
    col = sub.add_parser("collect", help="copy each student's latest submission from the nbgrader "
                                         "exchange, refusing links and foreign-owned ones")
    col.add_argument("assignment")
    col.add_argument("course_dir", type=Path, help="the instructor's nbgrader course directory")
    col.add_argument("--exchange", type=Path,
                     default=Path(os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")),
                     help="the nbgrader exchange (default: $NBGRADER_EXCHANGE or /srv/nbgrader/exchange)")
    col.add_argument("--course-id", default="convnets", help="nbgrader course id (default convnets)")
    col.add_argument("--uids", type=Path, default=None,
                     help="JSON {student: uid} when students are not system users here (Kubernetes)")
    chk = sub.add_parser("check", help="solutions score 100, blank notebooks 0, every mutant loses points")
    chk.add_argument("assignments", nargs="*")
    chk.add_argument("--jobs", type=int, default=2)
    chk.add_argument("--course", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    if args.command == "grade":
        from autograder.batch import grade_all

        if not args.submitted.exists():
            print(f"autograder: {args.submitted} does not exist", file=sys.stderr)
            return 2
        from autograder.config import COURSE_DIR, ConfigError, Limits

        try:
            overrides = Limits.overrides(args.set)
        except ConfigError as exc:
            print(f"autograder: {exc}", file=sys.stderr)
            return 2
        return grade_all(args.assignment, args.submitted, args.out, jobs=args.jobs, force=args.force,
                         course=(args.course or COURSE_DIR).resolve(), overrides=overrides)
    if args.command == "collect":
        from autograder.collect import collect, load_uids

        return collect(args.assignment, args.course_dir.resolve(), args.exchange, args.course_id,
                       load_uids(args.uids) if args.uids else None)
    if args.command == "release":
        from autograder.release import release
        from autograder.sandbox import COURSE_DIR

        return release(args.assignments, check=args.check, course=(args.course or COURSE_DIR).resolve())
    from autograder.check import check

    return check(args.assignments, jobs=args.jobs, course=args.course)


if __name__ == "__main__":
    sys.exit(main())
