"""Print the figures of docs/architecture.md for a checkout: module sizes, commits by place,
function-level imports, package cycles and imports that go up a floor.

    .venv/bin/python scripts/architecture_figures.py [CHECKOUT]

CHECKOUT defaults to this repository; give an older clone to compare (the floors are always
those of this repository's pyproject.toml, so an old tree is measured against today's rules).
"""

import ast
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
SIZE_LIMIT = 400


def floors() -> dict[str, int]:
    """Package → floor number (0 = bottom) from the layers contract in pyproject.toml."""
    config = tomllib.loads((HERE / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    result = {}
    for level, layer in enumerate(reversed(layers)):
        for name in layer.replace("|", ":").split(":"):
            result[name.strip().removeprefix("lms.")] = level
    return result


def package_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root / "lms").parts
    return parts[0].removesuffix(".py")


def imports(tree: ast.Module):
    """(imported lms module, at module level?) for every import of ``lms.*``."""
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lms"):
            names = [node.module] if node.module != "lms" else [f"lms.{a.name}" for a in node.names]
            for name in names:
                yield name, id(node) in top
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lms."):
                    yield alias.name, id(node) in top


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the groups of packages that all reach one another."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in list(graph):
        if node not in index:
            visit(node)
    return groups


def main(root: Path) -> None:
    level = floors()
    sizes, commits = {}, defaultdict(int)
    function_level = 0
    upward = []
    graph_top, graph_all = defaultdict(set), defaultdict(set)
    for path in sorted((root / "lms").rglob("*.py")):
        text = path.read_text()
        relative = str(path.relative_to(root))
        sizes[relative] = text.count("\n")
        kind = "views" if ("views" in path.stem or path.stem == "api") else path.stem
        kind = kind if kind in {"views", "tasks", "cli"} else "services and other"
        commits[kind] += text.count(".commit()")
        package = package_of(path, root)
        for name, at_top in imports(ast.parse(text)):
            target = name.split(".")[1]
            function_level += not at_top
            if target == package:
                continue
            graph_all[package].add(target)
            if at_top:
                graph_top[package].add(target)
            if package in level and target in level and level[target] > level[package]:
                upward.append(f"{relative} -> {name}")
    big = sorted(((n, p) for p, n in sizes.items() if n > SIZE_LIMIT), reverse=True)
    print(f"checkout: {root}")
    print(f"modules: {len(sizes)}, lines: {sum(sizes.values())}")
    print(f"modules over {SIZE_LIMIT} lines: {len(big)}")
    for lines, path in big:
        print(f"  {lines:5d}  {path}")
    largest = max(sizes.items(), key=lambda item: item[1])
    print(f"largest module: {largest[0]} ({largest[1]} lines)")
    print("commit() calls: " + ", ".join(f"{k} {v}" for k, v in sorted(commits.items())))
    print(f"function-level imports of lms.*: {function_level}")
    for label, graph in (("module-level", graph_top), ("all", graph_all)):
        groups = strongly_connected(graph)
        text = "; ".join(" ".join(sorted(g)) for g in groups) or "none"
        print(f"package cycles ({label} imports): {len(groups)} groups: {text}")
    print(f"imports that go up a floor: {len(upward)}")
    for line in upward:
        print(f"  {line}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE)
