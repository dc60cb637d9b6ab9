#!/usr/bin/env python3
"""The layers of the house (docs/architecture.md): each folder may include only the folders
listed for it, so dependencies point one way and no two folders include each other.
Usage: check_layers.py REPO_ROOT. Prints every violating #include and exits 1 if there is one."""
import pathlib
import re
import sys

# folder -> folders it may include (besides itself). Keep in step with docs/architecture.md.
ALLOWED = {
    "core/util": set(),
    "core/stats": {"core/util"},
    "core/quant": {"core/util"},
    "core/data": {"core/util"},
    "core/nn": {"core/util", "core/quant", "core/data"},
    "core/config": {"core/util", "core/quant", "core/data", "core/nn"},
    "core/optim": {"core/util", "core/config"},
    "core/io": {"core/util", "core/stats"},
    "core/infer": set(),  # hitnet_infer links alone: no training code, nothing else of core
    "experiments/lib": {"core/*", "experiments/sweep"},
    "experiments/sweep": {"core/*", "experiments/lib"},
    "experiments/programs": {"core/*", "experiments/lib", "experiments/sweep"},
    # links no hitnet library (one program per GEMM backend); the OpenBLAS one compiles the
    # standalone core/util/blas_kernel.cpp, to time the kernel training runs
    "experiments/gemm": {"core/util"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"((?:core|experiments)/[a-z_]+)/')


def allowed(folder, target):
    rules = ALLOWED[folder]
    return target == folder or target in rules or (
        target.startswith("core/") and "core/*" in rules)


def main(root):
    root = pathlib.Path(root)
    bad = []
    unknown = set()
    for path in sorted(list(root.glob("core/**/*.[ch]pp")) + list(root.glob("experiments/**/*.[ch]pp"))):
        folder = "/".join(path.relative_to(root).parts[:2])
        if folder not in ALLOWED:
            unknown.add(folder)
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if m and not allowed(folder, m.group(1)):
                bad.append(f"{path.relative_to(root)}:{n}: {folder} may not include {m.group(1)}")
    for folder in sorted(unknown):
        bad.append(f"{folder}: a folder without a layer; add it to ALLOWED and docs/architecture.md")
    print("\n".join(bad) if bad else f"layers hold: {len(ALLOWED)} folders")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
