"""``autograder feedback <assignment> <course_dir>``: return the grader's pages through nbgrader.

The grader writes one page per student (``<grading>/feedback/<student>.html``, messages only,
never hidden test source). nbgrader's *Fetch Feedback* finds a page only in its own layout,
``<course_dir>/feedback/<student>/<assignment>/<notebook>.html`` next to the submission's
``timestamp.txt`` and ``submission_secret.txt`` (the secret names the file in the exchange),
released by ``nbgrader release_feedback``. This command does both: it lays the pages out
(readable by everyone, 644: they are the students' own), owned by the course directory's
owner, then releases them as that owner (run as root, it drops to the owner's uid first, so
that the exchange's files are the instructor's, as if they had run nbgrader themselves).
``nbgrader generate_feedback`` is never used: its pages show the hidden tests' source.

Written answers: first the manual grades and comments given in the Formgrader are brought
into the grader's results (``autograder.gradebook.sync_manual``), so each page shows them
and the total (automatic + manual); a student whose written answers nobody has graded yet
gets a page saying "needs manual grading", and is named on stderr.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
from pathlib import Path

SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")


def late_notes(grading: Path) -> dict[str, str]:
    """A paragraph per late student, from `late.csv` (``autograder gradebook --late``)."""
    path = grading / "late.csv"
    if not path.is_file():
        return {}
    notes = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            seconds = float(row["seconds_late"])
            if seconds > 0:
                notes[row["student_id"]] = (
                    f'<p class="late"><strong>Late:</strong> submitted {seconds / 3600:.1f} hours '
                    f"after the due date; late penalty {float(row['late_penalty']):g} points; "
                    f"total after the penalty {row['total']}.</p>"
                )
    return notes


def lay_out(assignment: str, course_dir: Path, grading: Path) -> tuple[list[str], list[str]]:
    """Copy each collected student's page into nbgrader's feedback layout (with a note on
    lateness and its penalty, when late); returns (students laid out, without a page)."""
    owner = os.stat(course_dir)
    notes = late_notes(grading)
    done, missing = [], []
    submitted = course_dir / "submitted"
    for folder in sorted(submitted.glob(f"*/{assignment}")):
        student = folder.parent.name
        page = grading / "feedback" / f"{student}.html"
        if folder.is_symlink() or not page.is_file() or page.is_symlink():
            missing.append(student)
            continue
        target = course_dir / "feedback" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        text = page.read_text()
        if student in notes:  # right after <body ...>, else at the top
            at = text.find(">", text.find("<body")) + 1 if "<body" in text else 0
            text = text[:at] + notes[student] + text[at:]
        (target / f"{assignment}.html").write_text(text)
        for name in SUBMISSION_FILES:
            shutil.copyfile(folder / name, target / name)
        for path in (course_dir / "feedback", target.parent, target, *target.iterdir()):
            os.chown(path, owner.st_uid, owner.st_gid)
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        done.append(student)
    return done, missing


def release(assignment: str, course_dir: Path, exchange: Path, course_id: str) -> None:
    """nbgrader's release_feedback for every laid-out page, as the course directory's owner."""
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
    from traitlets.config import Config

    owner = os.stat(course_dir)
    config = Config()
    config.Exchange.root = str(exchange)
    config.CourseDirectory.root = str(course_dir)
    config.CourseDirectory.course_id = course_id
    config.CourseDirectory.assignment_id = assignment
    config.CourseDirectory.student_id = "*"

    def run() -> None:
        coursedir = CourseDirectory(config=config)
        ExchangeReleaseFeedback(coursedir=coursedir, config=config).start()

    if os.geteuid() == owner.st_uid:
        run()
        return
    pid = os.fork()
    if pid == 0:  # the child becomes the owner, releases, and exits
        code = 1
        try:
            os.setgroups([])
            os.setgid(owner.st_gid)
            os.setuid(owner.st_uid)
            os.chdir(course_dir)
            os.umask(0o022)
            run()
            code = 0
        except BaseException as error:  # noqa: BLE001 (reported, then the child exits)
            print(f"autograder feedback: release failed: {error}", file=sys.stderr)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("nbgrader's release_feedback failed (see above)")


def feedback(
    assignment: str,
    course_dir: Path,
    grading: Path,
    exchange: Path,
    course_id: str = "convnets",
    do_release: bool = True,
) -> int:
    if not (grading / "feedback").is_dir():
        print(
            f"autograder feedback: {grading}/feedback is missing: grade first "
            f"(autograder grade {assignment} ... --out {grading})",
            file=sys.stderr,
        )
        return 2
    from autograder.gradebook import sync_manual

    for student in sync_manual(assignment, course_dir, grading, course_id):
        print(f"NEEDS MANUAL GRADING {student}: written answers not graded yet", file=sys.stderr)
    done, missing = lay_out(assignment, course_dir, grading)
    for student in missing:
        print(
            f"NO PAGE {student}: no {grading}/feedback/{student}.html (not graded?)",
            file=sys.stderr,
        )
    if do_release and done:
        release(assignment, course_dir, exchange, course_id)
    verb = "released" if do_release else "laid out (not released)"
    print(f"feedback {verb} for {len(done)} student(s) of {assignment}: {', '.join(done)}")
    return 0 if not missing else 1
