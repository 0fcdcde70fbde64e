"""A static look at the submission, before it runs (defence in depth).

The sandbox already makes forbidden modules unimportable; this scan also names what a
submission tried, so the instructor sees *why* a task got ``forbidden``. A function is
tainted when its code imports a forbidden module, calls ``__import__`` / ``importlib``,
or touches ``sys.modules`` / ``sys.meta_path``, or when it uses a tainted name.
"""

from __future__ import annotations

import ast

_SYS_HOOKS = {"modules", "meta_path", "path_hooks", "path_importer_cache"}


def _to_python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - fall back to the raw text
        return source


def _findings(node: ast.AST, forbidden: set[str]) -> list[str]:
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            for alias in sub.names:
                root = alias.name.split(".")[0]
                if root in forbidden:
                    found.append(f"imports {root}")
                if root == "importlib":
                    found.append("uses importlib")
        elif isinstance(sub, ast.ImportFrom) and sub.module:
            root = sub.module.split(".")[0]
            if root in forbidden:
                found.append(f"imports {root}")
            if root == "importlib":
                found.append("uses importlib")
        elif isinstance(sub, ast.Name) and sub.id in ("__import__", "importlib"):
            found.append(f"uses {sub.id}")
        elif isinstance(sub, ast.Attribute) and sub.attr in _SYS_HOOKS:
            if isinstance(sub.value, ast.Name) and sub.value.id == "sys":
                found.append(f"touches sys.{sub.attr}")
        elif isinstance(sub, ast.Attribute) and sub.attr == "__import__":
            found.append("uses __import__")
    return found


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _bound(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    targets: list[ast.AST] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        targets = [stmt.target]
    names: set[str] = set()
    stack = list(targets)
    while stack:  # plain names only: `sys.modules[...] = x` binds nothing, it is a side effect
        t = stack.pop()
        if isinstance(t, ast.Name):
            names.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            stack.extend(t.elts)
        elif isinstance(t, ast.Starred):
            stack.append(t.value)
    return names


def scan(cells: list[tuple[str, str]], forbidden: list[str]) -> dict[str, str]:
    """Map each tainted top-level name to the reason, e.g.
    ``{"conv2d": "imports torch (cell [5])"}``."""
    banned = set(forbidden)
    reasons: dict[str, str] = {}
    uses: dict[str, set[str]] = {}
    for label, source in cells:
        try:
            tree = ast.parse(_to_python(source))
        except SyntaxError:
            continue
        cell_level: list[str] = []
        cell_names: set[str] = set()
        for stmt in tree.body:
            bound = _bound(stmt)
            cell_names |= bound
            found = _findings(stmt, banned)
            if bound:
                for name in bound:
                    uses.setdefault(name, set()).update(_names(stmt) - {name})
                    if found and name not in reasons:
                        reasons[name] = f"{found[0]} (cell {label})"
            elif found:
                cell_level.append(found[0])
        if cell_level:
            for name in cell_names:
                reasons.setdefault(name, f"{cell_level[0]} (cell {label})")
    changed = True
    while changed:
        changed = False
        for name, used in uses.items():
            if name in reasons:
                continue
            for other in sorted(used):  # the same reason in every process (hash seeds)
                if other in reasons:
                    reasons[name] = f"uses {other}, which {reasons[other]}"
                    changed = True
                    break
    return reasons
