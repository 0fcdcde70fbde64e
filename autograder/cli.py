"""``autograder release | grade | merge | collect | feedback | report | gradebook | lms | roster |
check``: see the top-level README."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="autograder", description="Release, grade and check the course's assignments."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="regenerate exercises/ from solutions/ with nbgrader")
    rel.add_argument("assignments", nargs="*", help="default: every assignment in solutions/")
    rel.add_argument(
        "--check", action="store_true", help="exit 1 when exercises/ is stale; change nothing"
    )
    rel.add_argument("--course", type=Path, default=None, help="course root (default: this repo)")
    grade = sub.add_parser("grade", help="grade submissions against the hidden tests")
    grade.add_argument("assignment")
    grade.add_argument(
        "submitted",
        type=Path,
        help="<dir>/<student>/<assignment>/<assignment>.ipynb layout, "
        "a directory of .ipynb files, or one .ipynb",
    )
    grade.add_argument(
        "--out",
        type=Path,
        default=Path("grading-out"),
        help="output directory (default: grading-out)",
    )
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    grade.add_argument(
        "--force", action="store_true", help="regrade submissions that already have results"
    )
    grade.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="LIMIT=VALUE",
        help="override a limit of the notebook, e.g. --set test_timeout=10 (repeatable)",
    )
    grade.add_argument(
        "--course",
        type=Path,
        default=None,
        help="course root holding solutions/ (default: this repo)",
    )
    grade.add_argument(
        "--shard",
        default=None,
        metavar="I/N",
        help="grade only part I of N (0 <= I < N, split by student id; e.g. a Kubernetes "
        "indexed Job's completion index); `autograder merge` joins the parts",
    )
    mrg = sub.add_parser(
        "merge", help="join the output directories of `grade --shard i/n` into one run's"
    )
    mrg.add_argument("out", type=Path, help="the merged output directory")
    mrg.add_argument("shards", type=Path, nargs="+", help="every shard's --out directory")
    col = sub.add_parser(
        "collect",
        help="copy each student's latest submission from the nbgrader "
        "exchange, refusing links and foreign-owned ones",
    )
    col.add_argument("assignment")
    col.add_argument("course_dir", type=Path, help="the instructor's nbgrader course directory")
    col.add_argument(
        "--exchange",
        type=Path,
        default=Path(os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")),
        help="the nbgrader exchange (default: $NBGRADER_EXCHANGE or /srv/nbgrader/exchange)",
    )
    col.add_argument(
        "--course-id", default="convnets", help="nbgrader course id (default convnets)"
    )
    col.add_argument(
        "--uids",
        type=Path,
        default=None,
        help="JSON {student: uid} when students are not system users here (Kubernetes)",
    )
    fb = sub.add_parser(
        "feedback",
        help="put the grader's pages into nbgrader's feedback layout "
        "and release them (students: Fetch Feedback)",
    )
    fb.add_argument("assignment")
    fb.add_argument("course_dir", type=Path, help="the instructor's nbgrader course directory")
    fb.add_argument(
        "--grading",
        type=Path,
        required=True,
        help="what `autograder grade --out` wrote (holds feedback/<student>.html)",
    )
    fb.add_argument(
        "--exchange",
        type=Path,
        default=Path(os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")),
        help="the nbgrader exchange (default: $NBGRADER_EXCHANGE or /srv/nbgrader/exchange)",
    )
    fb.add_argument("--course-id", default="convnets", help="nbgrader course id (default convnets)")
    fb.add_argument("--no-release", action="store_true", help="lay the pages out, do not release")
    rep = sub.add_parser("report", help="one offline HTML page on the whole class (anonymised)")
    rep.add_argument("assignment")
    rep.add_argument(
        "--grading", type=Path, required=True, help="what `autograder grade --out` wrote"
    )
    rep.add_argument("--out", type=Path, default=None, help="default: <grading>/report.html")
    rep.add_argument(
        "--names", action="store_true", help="name the students (not for showing in class)"
    )
    lms = sub.add_parser(
        "lms",
        help="grades.csv as Canvas's or Moodle's grade-import CSV, keyed by nbgrader's lms_user_id",
    )
    lms.add_argument("assignment")
    lms.add_argument("course_dir", type=Path, help="the nbgrader course directory (gradebook.db)")
    lms.add_argument(
        "--grading", type=Path, required=True, help="what `autograder grade --out` wrote"
    )
    lms.add_argument("--format", choices=("canvas", "moodle"), required=True)
    lms.add_argument(
        "--out", type=Path, default=None, help="default: <grading>/<assignment>-<format>.csv"
    )
    lms.add_argument("--course-id", default="convnets")
    ros = sub.add_parser(
        "roster",
        help="student records (names, emails, LMS ids) from a CSV into "
        "nbgrader's gradebook, and the hub's allowed users",
    )
    ros.add_argument(
        "csv", type=Path, help="columns: id, first_name, last_name, email, lms_user_id"
    )
    ros.add_argument("course_dir", type=Path)
    ros.add_argument(
        "--allowed-users", type=Path, default=None, help="write the ids here, one a line"
    )
    ros.add_argument("--course-id", default="convnets")
    gbk = sub.add_parser(
        "gradebook",
        help="record the grader's scores in nbgrader's gradebook (the Formgrader, nbgrader export)",
    )
    gbk.add_argument("assignment")
    gbk.add_argument("course_dir", type=Path, help="the nbgrader course directory (gradebook.db)")
    gbk.add_argument(
        "--grading", type=Path, required=True, help="what `autograder grade --out` wrote"
    )
    gbk.add_argument("--course-id", default="convnets")
    gbk.add_argument(
        "--late",
        default="none",
        help="late policy: none, per-day:<percent> or zero-after:<hours> (due date: nbgrader's)",
    )
    chk = sub.add_parser(
        "check", help="solutions score 100, blank notebooks 0, every mutant loses points"
    )
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
        from autograder.shards import ShardError, parse_shard

        try:
            overrides = Limits.overrides(args.set)
            shard = parse_shard(args.shard) if args.shard else None
        except (ConfigError, ShardError) as exc:
            print(f"autograder: {exc}", file=sys.stderr)
            return 2
        return grade_all(
            args.assignment,
            args.submitted,
            args.out,
            jobs=args.jobs,
            force=args.force,
            course=(args.course or COURSE_DIR).resolve(),
            overrides=overrides,
            shard=shard,
        )
    if args.command == "merge":
        from autograder.shards import merge

        return merge(args.out, args.shards)
    if args.command == "collect":
        from autograder.collect import collect, load_uids

        return collect(
            args.assignment,
            args.course_dir.resolve(),
            args.exchange,
            args.course_id,
            load_uids(args.uids) if args.uids else None,
        )
    if args.command == "feedback":
        from autograder.feedback_release import feedback

        return feedback(
            args.assignment,
            args.course_dir.resolve(),
            args.grading.resolve(),
            args.exchange,
            args.course_id,
            do_release=not args.no_release,
        )
    if args.command == "report":
        from autograder.report import report

        return report(args.assignment, args.grading, args.out, names=args.names)
    if args.command == "lms":
        from autograder.lms import export

        return export(
            args.assignment,
            args.course_dir.resolve(),
            args.grading,
            args.format,
            args.out,
            args.course_id,
        )
    if args.command == "roster":
        from autograder.lms import import_roster

        ids = import_roster(args.csv, args.course_dir.resolve(), args.course_id, args.allowed_users)
        print(f"{len(ids)} student record(s) in {args.course_dir / 'gradebook.db'}")
        return 0
    if args.command == "gradebook":
        from autograder.gradebook import record

        return record(
            args.assignment, args.course_dir.resolve(), args.grading, args.course_id, late=args.late
        )
    if args.command == "release":
        from autograder.config import COURSE_DIR
        from autograder.release import release

        return release(
            args.assignments, check=args.check, course=(args.course or COURSE_DIR).resolve()
        )
    from autograder.check import check

    return check(args.assignments, jobs=args.jobs, course=args.course)


if __name__ == "__main__":
    sys.exit(main())
