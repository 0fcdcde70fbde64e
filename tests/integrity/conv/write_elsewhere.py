"""Tries to write to the gradebook, the grader's output, other students' submissions,
the course's files and /tmp, and to delete them, while giving correct answers. Nothing
outside the sandbox may change (the test hashes those trees) and the answers score fully.
"""

ADDED = [
    (
        None,
        """
import glob, os, shutil

def _vandalise():
    targets = ["/work/main/solutions/conv/conv.ipynb", "/work/main/exercises/conv/conv.ipynb",
               "/work/main/autograder/grade.py", "/work/main/gradebook.db", "../../gradebook.db",
               "/proc/1/cwd/grades.csv", "/tmp/grades.csv"]
    targets += glob.glob("/tmp/**/*.ipynb", recursive=True) + glob.glob("/tmp/**/*.json", recursive=True)
    targets += glob.glob("../../*/conv/*.ipynb") + glob.glob("/home/*/*/*.ipynb")
    hits = 0
    for path in targets:
        try:
            with open(path, "w") as f:
                f.write("{}")
            hits += 1
        except OSError:
            pass
        try:
            os.remove(path)
        except OSError:
            pass
    for folder in ("/work/main/solutions", "/work/main/autograder", "/tmp"):
        shutil.rmtree(folder, ignore_errors=True)
    return hits

print("files overwritten:", _vandalise())
""",
    ),
]

CELLS = {}

EXPECT = {}
