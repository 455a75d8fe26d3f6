"""The package's layers: every module imports only from its own layer or lower ones, with no cycles.

The layer order is the one `docs/ARCHITECTURE.md` documents (its ```layers block); imports are read
from the source with `ast`, including those inside functions, which a runtime check would miss.
"""

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import keras_gans

ROOT = Path(keras_gans.__file__).parent
ARCHITECTURE = ROOT.parent / "docs" / "ARCHITECTURE.md"


def documented_layers() -> dict:
    """Top-level unit (package or module name) -> its layer number, lowest 0."""
    block = re.search(r"```layers\n(.*?)```", ARCHITECTURE.read_text(), re.S)
    assert block, f"{ARCHITECTURE} has no ```layers block"
    return {name: rank for rank, line in enumerate(block.group(1).splitlines()) for name in line.split()}


def unit_of(module: str) -> str | None:
    """`keras_gans.checkpoints.load` -> `checkpoints`; the package root itself -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "keras_gans" else None


def imports_of(path: Path) -> set:
    """Every keras_gans module the file imports, anywhere in it."""
    package = ".".join(("keras_gans", *path.relative_to(ROOT).parent.parts))
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # `from keras_gans import backend` imports the module keras_gans.backend.
            found.update(f"{base}.{alias.name}" if base == "keras_gans" else base for alias in node.names)
    return {name for name in found if name.startswith("keras_gans.")}


def unit_graph() -> dict:
    """unit -> {unit it imports: the first file that does}."""
    graph = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = [p for p in path.relative_to(ROOT).with_suffix("").parts if p != "__init__"]
        source = unit_of(".".join(("keras_gans", *parts)))
        if source is None:
            continue  # keras_gans/__init__.py: the package root, loading its API lazily by name
        for target in map(unit_of, imports_of(path)):
            if target not in (None, source):
                graph.setdefault(source, {}).setdefault(target, path.relative_to(ROOT.parent))
    return graph


def test_every_module_imports():
    names = [m.name for m in pkgutil.walk_packages([str(ROOT)], prefix="keras_gans.")]
    assert "keras_gans.assembly" in names and "keras_gans.checkpoints.load" in names
    for name in names:
        importlib.import_module(name)


def test_every_unit_has_a_documented_layer():
    layers = documented_layers()
    units = {unit_of(f"keras_gans.{m.name}") for m in pkgutil.iter_modules([str(ROOT)])}
    missing = sorted(units - set(layers))
    assert not missing, f"add {missing} to the ```layers block of {ARCHITECTURE}"


def test_no_module_imports_a_higher_layer():
    layers = documented_layers()
    upward = [
        f"{where} ({source}, layer {layers[source]}) imports {target} (layer {layers[target]})"
        for source, targets in unit_graph().items()
        for target, where in targets.items()
        if layers[target] > layers[source]
    ]
    assert not upward, "\n".join(upward)


def test_no_import_cycle_between_units():
    graph = {source: set(targets) for source, targets in unit_graph().items()}

    def cycle_from(start, path):
        for target in sorted(graph.get(path[-1], ())):
            if target == start:
                return [*path, start]
            if target not in path:
                found = cycle_from(start, [*path, target])
                if found:
                    return found
        return None

    cycles = [cycle for unit in sorted(graph) if (cycle := cycle_from(unit, [unit]))]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_assembly_is_public_and_shared():
    from keras_gans import assembly

    assert keras_gans.build_gan is assembly.build_gan
    graph = unit_graph()
    for user in ("fitting", "checkpoints", "labs"):
        assert "assembly" in graph[user], f"{user} should build GANs through keras_gans.assembly"
