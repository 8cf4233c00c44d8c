"""Every event kind the code can emit, read from the source (not a list kept by hand).

A kind is the first argument of a ``Finding(...)``: a string, a module-level constant (also
one imported from another Omega module, or unpacked from a tuple), any value of a constant
dict indexed there (``GRAB[side]``), or a parameter of the enclosing function, whose callers
are then read the same way (``self._fire(TRAP[s], ...)``, ``self._later("leg", ...)``).
Findings that copy another finding's kind (``finding.kind``) add none.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((ROOT / "omega_tasks").rglob("*.py")), *sorted((ROOT / "feeder").rglob("*.py"))]


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _constants(tree: ast.Module) -> dict[str, set[str]]:
    """Module-level names bound to strings, tuples of strings or dicts of strings."""
    found: dict[str, set[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = _strings(node.value)
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                for name, value in zip(target.elts, node.value.elts, strict=False):
                    if isinstance(name, ast.Name):
                        found[name.id] = _strings(value)
    return {k: v for k, v in found.items() if v}


def _strings(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Dict):
        return {v.value for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return set()


def emitted_kinds() -> set[str]:
    """Return every kind a ``Finding`` in omega_tasks or feeder can carry."""
    trees = {_module_name(p): ast.parse(p.read_text()) for p in SOURCES}
    constants = {m: _constants(t) for m, t in trees.items()}
    kinds: set[str] = set()
    for module, tree in trees.items():
        scope = dict(constants[module])
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in constants:
                for alias in node.names:
                    if alias.name in constants[node.module]:
                        scope[alias.asname or alias.name] = constants[node.module][alias.name]
        relays: set[str] = set()  # functions whose parameter becomes a Finding's kind

        def resolve(arg: ast.expr, params: set[str], function: str,
                    scope: dict[str, set[str]] = scope, relays: set[str] = relays) -> set[str]:
            if isinstance(arg, ast.Subscript):
                arg = arg.value
            if isinstance(arg, ast.Name) and arg.id in params:
                relays.add(function)
                return set()
            if isinstance(arg, ast.Name):
                return scope.get(arg.id, set())
            return _strings(arg)

        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            params = {a.arg for a in function.args.args}
            for call in ast.walk(function):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                        and call.func.id == "Finding" and call.args):
                    kinds |= resolve(call.args[0], params, function.name)
                    relays |= _queued_by(tree, function, call.args[0])
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and call.args and _callee(call) in relays:
                kinds |= resolve(call.args[0], set(), "")
    return kinds


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _queued_by(tree: ast.Module, function: ast.FunctionDef, arg: ast.expr) -> set[str]:
    """The functions that queue a kind a loop in ``function`` unpacks into a Finding: for
    ``for kind, ... in self.pending`` they are those that ``self.pending.append((kind, ...))``
    with ``kind`` a parameter of theirs."""
    if not isinstance(arg, ast.Name):
        return set()
    queues = set()
    for node in ast.walk(function):
        loops = node.generators if isinstance(node, ast.ListComp) else [node]
        for loop in loops:
            if (isinstance(loop, ast.For | ast.comprehension)
                    and isinstance(loop.iter, ast.Attribute)
                    and arg.id in {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}):
                queues.add(loop.iter.attr)
    found = set()
    for other in ast.walk(tree):
        if not isinstance(other, ast.FunctionDef):
            continue
        params = {a.arg for a in other.args.args}
        for call in ast.walk(other):
            if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "append"
                    and isinstance(call.func.value, ast.Attribute)
                    and call.func.value.attr in queues and call.args
                    and isinstance(call.args[0], ast.Tuple)
                    and isinstance(call.args[0].elts[0], ast.Name)
                    and call.args[0].elts[0].id in params):
                found.add(other.name)
    return found
