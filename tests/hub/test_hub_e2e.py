"""The whole course loop on a real JupyterHub: real system users, real processes, no mocks.

The instructor generates and releases `conv` through nbgrader's exchange; two students
log in through the hub's login form, get their servers, fetch `conv` with the Assignments
API that JupyterLab uses, answer it (one right, one wrong), run it in their kernel and
submit (student2 after the due date), each with their own written answer; the instructor
collects, `autograder grade` grades (written answers: "needs manual grading"),
`autograder gradebook --late per-day:10` records scores and the penalty in nbgrader's
gradebook; in Chromium the instructor opens the Formgrader from the Nbgrader menu, sees
the automatic scores, and grades each written answer in its manual-grade box with a
comment; `autograder feedback` (one command) releases the pages and the students fetch
them (the manual grade and comment, the total, and for the late one the penalty). Then:
the grades, the exchange's contents and who can read what; the class report, the roster
and the Canvas CSV (automatic + manual - penalty); `nbgrader export` against grades.csv.
"""

from __future__ import annotations

import csv
import html
import json
import os
import pwd
import runpy
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hub_client import SHOTS, HubUser, Kernel, lab_page
from nbgrader.utils import parse_utc

from hub.course import REPO, user_exists, user_pids
from hub.local import LocalHub
from hub.publish import hidden_lines

pytestmark = [pytest.mark.hub, pytest.mark.browser, pytest.mark.slow,
              pytest.mark.timeout(600)]

ASSIGNMENT = "conv"
STUDENTS = ["student1", "student2"]
AUTOGRADER = Path(sys.executable).parent / "autograder"
# Each student's own written answer, and the grade and comment the instructor gives it in
# the Formgrader (a fraction of the cell's points, so every total is checked).
WRITTEN_ANSWER = {
    "student1": "student1 writes: frameworks compute a cross-correlation; flipping matters "
    "when loading a kernel from scipy.signal.convolve2d.",
    "student2": "student2 writes: the kernel is learned, so no one notices the flip.",
}
MANUAL = {"student1": (0.8, "Clear; the scipy case is right."),
          "student2": (0.6, "Say when a flip would matter, with a case from your code.")}


def shell(kernel: Kernel, argv: list[str], cwd: str) -> tuple[int, str]:
    """Run a command in the user's kernel (so: as that user, on their server)."""
    out = kernel.run(
        "import json, subprocess\n"
        f"r = subprocess.run({argv!r}, cwd={cwd!r}, capture_output=True, text=True)\n"
        "print(json.dumps([r.returncode, r.stdout + r.stderr]))"
    )
    code, text = json.loads(out.strip().splitlines()[-1])
    return code, text


def try_read(kernel: Kernel, path: str) -> str:
    """'ok', 'PermissionError' or another exception name, for reading `path` as the user."""
    return kernel.run(
        "import os\n"
        "try:\n"
        f"    p = {path!r}\n"
        "    os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n"
        "    print('ok')\n"
        "except Exception as e:\n"
        "    print(type(e).__name__)"
    ).strip()


def answers(solutions: Path) -> tuple[dict[str, str], dict[str, str], str]:
    """(right answer per solution cell, a wrong one, which mutant it is).

    The right answer is the source's solution cell without the nbgrader markers; the wrong
    one replaces cells as the first mutant in solutions/conv/mutants/ does (or leaves the
    first solution cell unanswered when there are no mutants)."""
    source = json.loads((solutions / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    right = {}
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution"):
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            keep = [line for line in text.splitlines()
                    if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line]
            right[meta["grade_id"]] = "\n".join(keep)
    wrong = dict(right)
    mutants = sorted((solutions / ASSIGNMENT / "mutants").glob("*.py"))
    for mutant in mutants:
        cells = runpy.run_path(str(mutant)).get("CELLS", {})
        if cells and set(cells) <= set(right):
            wrong.update(cells)
            return right, wrong, mutant.stem
    first = next(iter(right))
    wrong.pop(first)  # keep the stub the student was given
    return right, wrong, f"unanswered {first}"


def written_points(solutions: Path) -> dict[str, float]:
    """The source's written answer cells (graded by hand) and their points."""
    source = json.loads((solutions / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    metas = [c["metadata"].get("nbgrader", {}) for c in source["cells"]
             if c["cell_type"] == "markdown"]
    return {m["grade_id"]: float(m["points"]) for m in metas
            if m.get("grade") and m.get("solution")}


def with_written_answer(solutions: Path, into: Path) -> Path:
    """`solutions` when its conv has a written answer; else a test-local copy (in `into`,
    private to root) whose conv gains one as /work's spec for written answers has it: a
    locked question cell and a 10-point markdown answer cell, the 10 points taken from the
    first test cell worth more than 10 that has no partial-credit checks."""
    if written_points(solutions):
        return solutions
    import shutil

    copy = into / "solutions"
    shutil.copytree(solutions, copy)
    path = copy / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = json.loads(path.read_text())

    def meta(grade_id: str, **flags: object) -> dict:
        return {"nbgrader": {"grade": False, "solution": False, "locked": False,
                             "schema_version": 3, "grade_id": grade_id, **flags}}

    donor = next(c for c in nb["cells"] if c["cell_type"] == "code"
                 and c["metadata"].get("nbgrader", {}).get("grade")
                 and c["metadata"]["nbgrader"]["points"] > 10
                 and "check(" not in "".join(c["source"]))
    donor["metadata"]["nbgrader"]["points"] -= 10
    nb["cells"] += [
        {"cell_type": "markdown", "id": "written-flip-q",
         "metadata": meta("written_flip_question", locked=True),
         "source": "Why do frameworks not flip the kernel, and when would it matter?\n\n"
                   "**Rubric (10 points)**: 5 pts: the kernel is learned; 5 pts: a case."},
        {"cell_type": "markdown", "id": "written-flip",
         "metadata": meta("written_flip", grade=True, solution=True, points=10),
         "source": "### BEGIN SOLUTION\nThe kernel is learned, so the flip is learned too; "
                   "it matters for a kernel given by hand.\n### END SOLUTION"},
    ]
    path.write_text(json.dumps(nb, indent=1))
    return copy


def answer_and_run(user: HubUser, answer: dict[str, str], written: str) -> list[str]:
    """Write the answers into the fetched notebook (`written` into each written answer's
    markdown cell), run every cell in a kernel of the student's server (as "Run All"
    would), save it; returns the ids of cells that failed."""
    path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    notebook = user.read_notebook(path)
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] == "markdown" and meta.get("grade") and meta.get("solution"):
            assert "YOUR ANSWER HERE" in "".join(cell["source"])  # the released stub
            cell["source"] = written
    kernel = user.kernel()
    failed = []
    try:
        for count, cell in enumerate(c for c in notebook["cells"] if c["cell_type"] == "code"):
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
            if grade_id in answer:
                cell["source"] = answer[grade_id]
            outputs, error = kernel.execute(cell["source"])
            cell["outputs"], cell["execution_count"] = outputs, count + 1
            if error:
                failed.append(grade_id or f"cell {count}")
    finally:
        kernel.close()
    user.write_notebook(path, notebook)
    return failed


def status_of(listing: dict, status: str) -> list[dict]:
    assert listing["success"], listing
    return [a for a in listing["value"]
            if a["assignment_id"] == ASSIGNMENT and a["status"] == status]


def manual_score(course: str, student: str, grade_id: str) -> tuple[float | None, str]:
    """The manual score and comment nbgrader's gradebook holds (what the Formgrader saved)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db", course_id="convnets") as gb:
        grade = gb.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, student)
        comment = gb.find_comment(grade_id, ASSIGNMENT, ASSIGNMENT, student)
        return grade.manual_score, comment.manual_comment or ""


def formgrader_in_chromium(hub: LocalHub, scores: dict[str, float],
                           written: dict[str, float]) -> None:
    """The instructor opens the Formgrader from the Nbgrader menu in Chromium; its
    submissions page for the assignment shows each student's automatic score. Then, in
    *Manual Grading*, they open each student's submission, read the written answer, type
    a score into its manual-grade box and a comment into its comment box (as a person
    would: typed, then Tab), and the Formgrader saves both in nbgrader's gradebook."""
    with lab_page(hub, "instructor", "hub-formgrader-failure.png") as page:
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        page.locator(".lm-Menu-itemLabel").get_by_text("Formgrader", exact=True).click()
        page.frame_locator("iframe[src*='formgrader']").get_by_text(
            "Manage Assignments").first.wait_for()
        frame = next(f for f in page.frames if "/formgrader" in f.url)
        frame.goto(f"{hub.url}/user/instructor/formgrader/manage_submissions/{ASSIGNMENT}")
        for name, score in scores.items():
            cell = frame.locator("tr", has_text=name).locator("td.score")
            cell.wait_for()
            top = 100
            assert cell.inner_text().strip() == f"{score:g} / {top}", (name, cell.inner_text())
        page.screenshot(path=str(SHOTS / "hub-formgrader-scores.png"))
        # Manual Grading > conv > conv: one row per submission (names hidden by default).
        listing = f"{hub.url}/user/instructor/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}"
        for name, (share, comment) in MANUAL.items():
            frame.goto(listing)
            row = frame.locator("tr", has=frame.locator("a.name-shown", has_text=name))
            row.locator("a.name-hidden").click()  # "Submission #n"
            frame.wait_for_url("**/formgrader/submissions/**")
            assert WRITTEN_ANSWER[name][:40] in frame.locator("body").inner_text()
            for grade_id, points in written.items():
                box = frame.locator(f"input.score[id='{grade_id}']")
                box.click()
                box.fill(f"{share * points:g}")
                box.press("Tab")
                notes = frame.locator(f"textarea[id='{grade_id}-comment']")
                notes.click()
                notes.fill(comment)
                notes.press("Tab")
                deadline = time.monotonic() + 60
                while manual_score(str(hub.course_dir), name, grade_id) != (
                        share * points, comment) and time.monotonic() < deadline:
                    time.sleep(0.5)
                assert manual_score(str(hub.course_dir), name, grade_id) == (
                    share * points, comment), (name, grade_id)
            page.screenshot(path=str(SHOTS / f"hub-formgrader-manual-{name}.png"))


def view_feedback_in_chromium(hub: LocalHub, name: str, expected: list[str]) -> None:
    """The student opens the Assignment List in Chromium and clicks "(view feedback)": the
    feedback page opens in JupyterLab's HTML viewer (hub.install patches nbgrader's link,
    which only moved the file browser) and shows ``expected``."""
    with lab_page(hub, name, f"hub-view-feedback-failure-{name}.png") as page:
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
        link = page.get_by_text("(view feedback)").first
        link.wait_for(state="attached")
        if not link.is_visible():  # the submission rows are folded under the assignment
            page.locator("#submitted_assignments_list").get_by_text(
                ASSIGNMENT, exact=True).first.click()
        link.click()
        viewer = page.frame_locator(".jp-HTMLViewer iframe")
        for text in expected:
            viewer.get_by_text(text).first.wait_for()
        page.screenshot(path=str(SHOTS / f"hub-view-feedback-{name}.png"))


def test_release_submit_grade_feedback(hub_port, solutions, exchange, needs_root, tmp_path):
    timings = {}
    start = time.monotonic()
    solutions = with_written_answer(solutions, tmp_path)
    hub = LocalHub(port=hub_port, instructors=["instructor"], students=STUDENTS,
                   exchange=exchange, solutions=solutions)
    try:
        hub.start()
        timings["hub started"] = time.monotonic() - start
        course = str(hub.course_dir)

        # A wrong password is refused; the right one logs in (the hub's login form).
        intruder = HubUser(hub.url, "student1", "not-the-password")
        intruder.login()
        assert intruder.http.get(f"{hub.url}/hub/api/user").status_code in (401, 403)
        users = {name: HubUser(hub.url, name, hub.passwords[name]) for name in hub.users}
        for user in users.values():
            assert user.login().ok
        for user in users.values():
            user.start_server()
        timings["servers running"] = time.monotonic() - start
        for name in hub.users:  # each server runs as its own system user
            assert user_pids(name), f"no process of {name}"

        # 1. The instructor generates and releases `conv` (in their own server).
        instructor = users["instructor"]
        assert instructor.api("GET", "formgrader").status_code == 200
        assert users["student1"].api("GET", "formgrader").status_code == 404
        teacher = instructor.kernel()
        for command in (["nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
                        ["nbgrader", "release_assignment", ASSIGNMENT, "--force"]):
            code, text = shell(teacher, command, course)
            assert code == 0, text
        released = exchange / "convnets" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert released.exists()
        released_text = released.read_text()
        assert "BEGIN SOLUTION" not in released_text and "BEGIN HIDDEN TESTS" not in released_text

        # 2. Each student fetches, answers, runs the notebook and submits.
        right, wrong, mutant = answers(solutions)
        failures = {}
        for name, answer in zip(STUDENTS, (right, wrong), strict=True):
            student = users[name]
            assert status_of(student.assignments(), "released")
            assert status_of(student.assignments("fetch"), "fetched")
            failures[name] = answer_and_run(student, answer, WRITTEN_ANSWER[name])
            assert status_of(student.assignments("submit"), "submitted")
        assert failures["student1"] == [], "the right answer failed its visible tests"
        timings["submitted"] = time.monotonic() - start

        # 3. The instructor collects; the autograder grades; feedback is released.
        # nbgrader's own collect (it follows links in submissions) is switched off, in the
        # terminal and in the Formgrader; `autograder collect` (as root) is the way.
        code, text = shell(teacher, ["nbgrader", "collect", ASSIGNMENT], course)
        assert code != 0 and "autograder collect" in text, text
        button = instructor.api("POST", f"formgrader/api/assignment/{ASSIGNMENT}/collect")
        assert button.status_code == 200 and not button.json()["success"], button.text
        assert "autograder collect" in button.json()["error"] + button.json().get("log", "")
        submitted = Path(course) / "submitted"
        assert not submitted.exists()
        collected = subprocess.run([str(AUTOGRADER), "collect", ASSIGNMENT, course,
                                    "--exchange", str(exchange)], capture_output=True, text=True)
        assert collected.returncode == 0 and "REFUSED" not in collected.stderr, (
            collected.stdout + collected.stderr)
        for name in STUDENTS:
            assert (submitted / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
        # The grading output where hub/README.md puts it: in the instructor's private home.
        out = Path(pwd.getpwnam("instructor").pw_dir) / "grading" / ASSIGNMENT
        graded = subprocess.run([str(AUTOGRADER), "grade", ASSIGNMENT, str(submitted),
                                 "--out", str(out), "--course", str(solutions.parent),
                                 "--jobs", "2"],
                                capture_output=True, text=True)
        assert graded.returncode == 0, graded.stdout + graded.stderr
        timings["graded"] = time.monotonic() - start
        with open(out / "grades.csv") as fh:
            grades = {row["student_id"]: row for row in csv.DictReader(fh)}
        written = written_points(solutions)
        assert written, f"{ASSIGNMENT} has no written answer cell to grade by hand"
        auto = {name: float(grades[name]["score"]) for name in STUDENTS}
        # Written answers: nobody has graded them yet, and grades.csv says so (never a 0).
        for name in STUDENTS:
            assert grades[name]["total"] == "needs manual grading", grades[name]
            assert float(grades[name]["total_max_score"]) == 100
        assert auto["student1"] == float(grades["student1"]["max_score"]) == 100 - sum(
            written.values())
        assert auto["student2"] < auto["student1"], (mutant, grades["student2"])
        # Late work: the due date (nbgrader's, set by the instructor) falls between the two
        # submissions, so student2 is late; `autograder gradebook` records our scores and the
        # penalty (10 % of the maximum per started day) in nbgrader's gradebook.
        stamps = [parse_utc((submitted / name / ASSIGNMENT / "timestamp.txt").read_text())
                  for name in STUDENTS]
        due = stamps[0] + (stamps[1] - stamps[0]) / 2
        code, text = shell(teacher, ["nbgrader", "db", "assignment", "add", ASSIGNMENT,
                                     f"--duedate={due.isoformat()}"], course)
        assert code == 0, text
        done = subprocess.run([str(AUTOGRADER), "gradebook", ASSIGNMENT, course,
                               "--grading", str(out), "--late", "per-day:10"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        # Our scores in nbgrader's gradebook: the Formgrader's submissions show the automatic
        # totals of grades.csv (its API, then its page in Chromium). The instructor then
        # grades each written answer in the Formgrader, in Chromium.
        shown = instructor.api("GET", f"formgrader/api/submissions/{ASSIGNMENT}").json()
        assert {s["student"]: s["score"] for s in shown} == auto, shown
        assert all(s["needs_manual_grade"] for s in shown), shown
        formgrader_in_chromium(hub, auto, written)
        timings["graded by hand"] = time.monotonic() - start
        manual = {name: MANUAL[name][0] * sum(written.values()) for name in STUDENTS}
        penalty = {"student1": 0.0,
                   "student2": min(10.0, auto["student2"] + manual["student2"])}
        total = {name: auto[name] + manual[name] - penalty[name] for name in STUDENTS}
        # One command brings the manual grades in, lays the grader's pages out in nbgrader's
        # feedback layout (with each submission's timestamp and secret) and releases them as
        # the instructor.
        returned = subprocess.run([str(AUTOGRADER), "feedback", ASSIGNMENT, course,
                                   "--grading", str(out), "--exchange", str(exchange)],
                                  capture_output=True, text=True)
        assert returned.returncode == 0, returned.stdout + returned.stderr
        assert f"feedback released for {len(STUDENTS)} student(s)" in returned.stdout
        assert "NEEDS MANUAL GRADING" not in returned.stderr, returned.stderr
        with open(out / "grades.csv") as fh:
            grades = {row["student_id"]: row for row in csv.DictReader(fh)}
        for name in STUDENTS:  # automatic + manual (the penalty is the LMS's and nbgrader's)
            assert float(grades[name]["manual_score"]) == manual[name], grades[name]
            assert float(grades[name]["total"]) == auto[name] + manual[name], grades[name]
        instructor_pw = pwd.getpwnam("instructor")
        for name in STUDENTS:
            target = Path(course) / "feedback" / name / ASSIGNMENT
            for item in (target / f"{ASSIGNMENT}.html", target / "timestamp.txt"):
                assert item.stat().st_uid == instructor_pw.pw_uid
            assert (target / "timestamp.txt").read_text() == (
                submitted / name / ASSIGNMENT / "timestamp.txt").read_text()
        # Released by the instructor's uid, not root's: nbgrader can release again later.
        for page in (exchange / "convnets" / "feedback").glob("*.html"):
            assert page.stat().st_uid == instructor_pw.pw_uid

        # 4. Each student fetches their feedback: the manual grade and comment, the total,
        # and for the late one the penalty.
        secret = hidden_lines(solutions)
        for name, answer in zip(STUDENTS, (right, wrong), strict=True):
            # The page may quote the student's own code, never anything else hidden.
            own = {line.strip() for code in answer.values() for line in code.splitlines()}
            student = users[name]
            listing = status_of(student.assignments("fetch_feedback"), "submitted")
            assert listing and listing[0]["submissions"][0]["has_local_feedback"], listing
            feedback_dir = Path(pwd.getpwnam(name).pw_dir) / ASSIGNMENT / "feedback"
            pages = list(feedback_dir.glob(f"*/{ASSIGNMENT}.html"))
            assert len(pages) == 1, pages
            page = pages[0].read_text()
            graded_page = (out / "feedback" / f"{name}.html").read_text()
            for points in written.values():
                assert f"{MANUAL[name][0] * points:g} / {points:g}" in page, page[:3000]
            assert html.escape(MANUAL[name][1]) in page
            assert html.escape(WRITTEN_ANSWER[name]) in page
            assert f"Total: <strong>{auto[name] + manual[name]:g}</strong>" in page
            assert "needs manual grading" not in page
            if penalty[name]:  # the late student's page says so, with the penalty
                assert (f"late penalty {penalty[name]:g} points; total after the penalty "
                        f"{total[name]:g}") in page, page[:2000]
                assert page.replace(page[page.index('<p class="late">'):
                                         page.index("</p>", page.index('<p class="late">')) + 4],
                                    "") == graded_page
            else:
                assert page == graded_page
            assert "BEGIN HIDDEN TESTS" not in page
            assert not [line for line in secret - own if line in page]
        # ... and opens it from the Assignment List, as a person would.
        view_feedback_in_chromium(hub, STUDENTS[0], [MANUAL[STUDENTS[0]][1]])

        # 5. The exchange.
        inbound = exchange / "convnets" / "inbound"
        entries = sorted(p.name for p in inbound.iterdir())
        assert len(entries) == 2 and {e.split("+")[0] for e in entries} == set(STUDENTS)
        assert len(list((exchange / "convnets" / "feedback").glob("*.html"))) == 2

        # 6. The class report, the roster and the LMS export, as hub/README.md runs them.
        done = subprocess.run([str(AUTOGRADER), "report", ASSIGNMENT, "--grading", str(out)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        report = (out / "report.html").read_text()
        assert "<svg" in report and not any(name in report for name in STUDENTS)
        assert "Written answers (graded by hand)" in report
        roster = out / "roster.csv"
        roster.write_text("id,first_name,last_name,email,lms_user_id\n"
                          "student1,Ann,One,ann@example.edu,lms-1\n"
                          "student2,Ben,Two,ben@example.edu,\n")
        done = subprocess.run([str(AUTOGRADER), "roster", str(roster), course],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert (Path(course) / "gradebook.db").stat().st_uid == instructor_pw.pw_uid
        done = subprocess.run([str(AUTOGRADER), "lms", ASSIGNMENT, course, "--grading", str(out),
                               "--format", "canvas"], capture_output=True, text=True)
        assert done.returncode == 1 and "NO LMS ID student2" in done.stderr, done.stderr
        assert "NEEDS MANUAL GRADING" not in done.stderr, done.stderr
        with open(out / f"{ASSIGNMENT}-canvas.csv") as fh:
            rows = list(csv.reader(fh))
        assert rows[1][5] == "100"  # points possible: automatic + written
        assert rows[2:] == [["One, Ann", "lms-1", "", "", "", f"{total['student1']:g}"]]
        missing = (out / f"{ASSIGNMENT}-canvas.missing.csv").read_text().splitlines()
        assert missing[1] == f"student2,{total['student2']:g}"  # less the penalty
        # `nbgrader export` (run by the instructor): automatic + manual less the penalty.
        code, text = shell(teacher, ["nbgrader", "export", "--to", "export.csv"], course)
        assert code == 0, text
        with open(Path(course) / "export.csv") as fh:
            exported = {r["student_id"]: float(r["score"]) for r in csv.DictReader(fh)}
        assert exported == total
        # nbgrader's autograde (students' code run as the instructor, hidden tests put back)
        # is switched off in the instructor's config, and says what to use.
        code, text = shell(teacher, ["nbgrader", "autograde", ASSIGNMENT, "--student",
                                     "student1", "--force"], course)  # as the button does
        assert code != 0 and "autograder grade" in text, text[-2000:]
        assert not (Path(course) / "autograded" / "student1" / ASSIGNMENT).exists() or (
            "BEGIN HIDDEN TESTS" not in (Path(course) / "autograded" / "student1" / ASSIGNMENT
                                         / f"{ASSIGNMENT}.ipynb").read_text())
        assert not os.stat(inbound).st_mode & 0o004  # others cannot list inbound
        spy = users["student1"].kernel()
        try:
            # nbgrader hides a submission in inbound/ by its name (timestamp + 72 random
            # bits) in a directory others cannot list; student1 cannot find student2's.
            found = spy.run(f"import glob; print(len(glob.glob({str(inbound)!r} + '/student2+*')))")
            assert found.strip() == "0"
            home1, home2 = (pwd.getpwnam(name).pw_dir for name in STUDENTS)
            # The checkout (its .git holds every hidden test) is closed to students.
            code, text = shell(spy, ["git", "-c", "safe.directory=*", "-C", str(REPO), "show",
                                     f"HEAD:solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"], home1)
            assert code != 0 and "Permission denied" in text, text[:300]
            for path in (f"{home2}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb", home2, str(inbound), course,
                         str(REPO / ".git" / "HEAD"), str(out / "grades.csv"),
                         str(out / "feedback" / "student2.html"),
                         f"{course}/source/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
                         f"{course}/submitted/student2/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
                         str(solutions / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")):
                assert try_read(spy, path) == "PermissionError", path
            assert try_read(spy, str(released)) == "ok"  # the released notebook is public
        finally:
            spy.close()
        teacher.close()
    finally:
        leftovers = hub.stop()
        print(f"timings (s): { {k: round(v, 1) for k, v in timings.items()} }")
        print(f"processes still there after the hub stopped: {leftovers}")
        log = hub.log_tail(3000)
        hub.cleanup_state()
    for name in hub.users:
        assert not user_pids(name), f"{name} still has processes"
        assert not user_exists(name), f"user {name} was not removed"
    assert leftovers == [], f"the hub left processes behind: {leftovers}\n{log}"
