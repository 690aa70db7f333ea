"""Slim the bundled shared libraries of a Lambda package (run by function/Makefile's ``prune``).

``python slim_libs.py PREFIX...`` in the package folder: each bundled library (in a ``*.libs/``
folder) whose name starts with a PREFIX is replaced by a stub of the same soname that defines
exactly the symbols its users import (read from the ELF tables) and aborts, naming the symbol,
if one is ever called; then every bundled library that no extension module reaches through
``DT_NEEDED`` any more is removed. Needs ``readelf`` (binutils) and a C compiler (``$CC``).
Not part of the function: it is never copied into the package.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def readelf(*args: str) -> str:
    return subprocess.run(["readelf", "-W", *args], capture_output=True, text=True,
                          check=True).stdout


def needed(path: Path) -> list[str]:
    """The ``DT_NEEDED`` entries of a shared object."""
    return re.findall(r"\(NEEDED\).*\[(.+)\]", readelf("-d", str(path)))


def symbols(path: Path) -> list[tuple[str, str, str, int, bool]]:
    """(name, version, type, size, defined) of each dynamic function or object symbol."""
    out = []
    for line in readelf("--dyn-syms", str(path)).splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].endswith(":") or f[3] not in ("FUNC", "OBJECT", "IFUNC"):
            continue
        name, _, version = f[7].replace("@@", "@").partition("@")
        out.append((name, version, f[3], int(f[2], 0), f[6] != "UND"))
    return out


def stub_source(target: Path, used: list[tuple[str, str]],
                exports: dict[tuple[str, str], tuple[str, int]]) -> tuple[str, str]:
    """C source defining ``used`` (each function aborts with a message) and its version script."""
    code = ["extern void abort(void);", "extern int dprintf(int, const char *, ...);",
            "static void missing(const char *name) {",
            '  dprintf(2, "%s from ' + target.name + ' was left out of this Lambda package '
            '(function/Makefile STUB_LIBS)\\n", name);',
            "  abort();", "}"]
    nodes: dict[str, list[str]] = {}
    for i, (name, version) in enumerate(used):
        kind, size = exports[(name, version)]
        if kind == "OBJECT":
            code.append(f'char s{i}[{max(size, 1)}] __asm__("{name}") '
                        '__attribute__((aligned(64)));')
        else:
            code.append(f'void s{i}(void) __asm__("{name}");')
            code.append(f'void s{i}(void) {{ missing("{name}"); }}')
        nodes.setdefault(version, []).append(name)
    named = [v for v in nodes if v]
    if named:
        nodes[named[0]] += nodes.pop("", [])
    script = "".join(f"{v} {{ global: {'; '.join(names)}; local: *; }};\n"
                     for v, names in nodes.items() if v)
    if not script:
        script = "{ " + "".join(f"global: {n}; " for n in nodes.get("", [])[:1]) + \
            "".join(f"{n}; " for n in nodes.get("", [])[1:]) + "local: *; };\n"
    return "\n".join(code) + "\n", script


def stub(target: Path, elves: list[Path]) -> None:
    """Replace ``target`` by a stub defining what the other ELF files import from it."""
    users = [p for p in elves if p != target and target.name in needed(p)]
    wanted = {(n, v) for p in users for n, v, t, s, d in symbols(p) if not d}
    exports = {(n, v): (t, s) for n, v, t, s, d in symbols(target) if d}
    by_name = {n: (n, v) for n, v in exports}
    used = sorted({(n, v) if (n, v) in exports else by_name[n] for n, v in wanted
                   if (n, v) in exports or (not v and n in by_name)})
    soname = re.findall(r"\(SONAME\).*\[(.+)\]", readelf("-d", str(target)))[0]
    code, script = stub_source(target, used, exports)
    Path(".stub.c").write_text(code)
    Path(".stub.map").write_text(script)
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O2", "-o", str(target),
                    ".stub.c", f"-Wl,-soname,{soname}", "-Wl,--version-script=.stub.map"],
                   check=True)
    os.remove(".stub.c")
    os.remove(".stub.map")
    print(f"stubbed {target}: {len(used)} symbols used by "
          f"{', '.join(sorted(p.name for p in users))}")


def main(prefixes: list[str]) -> None:
    """Stub the bundled libraries named by ``prefixes``, then drop the unreachable ones."""
    elves = [p for p in Path(".").rglob("*.so*") if p.is_file() and not p.is_symlink()
             and p.read_bytes()[:4] == b"\x7fELF"]
    bundled = {p.name: p for p in elves if p.parent.name.endswith(".libs")}

    for prefix in prefixes:
        for target in [p for n, p in bundled.items() if n.startswith(prefix)]:
            stub(target, elves)

    reached, queue = set(), [p for p in elves if not p.parent.name.endswith(".libs")]
    while queue:
        for name in needed(queue.pop()):
            if name in bundled and name not in reached:
                reached.add(name)
                queue.append(bundled[name])
    for name, path in sorted(bundled.items()):
        if name not in reached:
            print(f"dropping {path}: nothing links to it")
            path.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
