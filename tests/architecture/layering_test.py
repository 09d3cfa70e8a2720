#!/usr/bin/env python3
"""The layering test: every #include "..." in include/ismc/, src/ and kernels/ follows the
allowed dependencies between folders stated in docs/ARCHITECTURE.md.

The ```dependencies``` block of docs/ARCHITECTURE.md has one line per folder,
`folder: allowed folder ...`; a folder may always include its own headers. The optional
```kernels``` block has one line per file under kernels/, `file: concept`: a kernel file
belongs to the library's device side of that concept and may include the private headers
(src/<concept>/) of its concept and of core, besides kernels/'s own .cuh helpers.

Besides the graph, four rules:
  * src/cli/ includes only public headers ("ismc/...") and its own ("cli/...");
  * a public header (include/ismc/) includes only public headers;
  * nothing in the library includes the old forwarding headers (include/ismc/<name>.hpp,
    kept for one release for users); a forwarder includes only ismc/<concept>/ headers;
  * the umbrella include/ismc/ismc.hpp includes every public header include/ismc/<concept>/.

Usage: layering_test.py [--root DIR] [--architecture FILE] | --self-test
Exit status 0 when every include is allowed, 1 otherwise (each violation printed as
file:line: message), 2 when the architecture document cannot be read.
"""

import argparse
import os
import re
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCE_SUFFIXES = (".hpp", ".h", ".cpp", ".cc", ".cu", ".cuh", ".inl")
FORWARDERS = "forwarders"
KERNELS = "kernels"
UMBRELLA = "include/ismc/ismc.hpp"


class ArchitectureError(Exception):
    pass


def parse_block(text, name):
    """The lines `key: value ...` of the fenced block ```name, as {key: [values]}."""
    lines = text.splitlines()
    block = None
    for i, line in enumerate(lines):
        if line.strip() == "```" + name:
            block = []
            for inner in lines[i + 1:]:
                if inner.strip().startswith("```"):
                    break
                block.append(inner)
            break
    if block is None:
        return None
    result = {}
    for line in block:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if ":" not in line:
            raise ArchitectureError("```%s block: expected 'name: ...', got %r" % (name, line))
        key, _, rest = line.partition(":")
        key = key.strip()
        if key in result:
            raise ArchitectureError("```%s block: %r listed twice" % (name, key))
        result[key] = rest.split()
    return result


def parse_architecture(text):
    """(graph, kernel_concepts) from the text of docs/ARCHITECTURE.md."""
    graph = parse_block(text, "dependencies")
    if graph is None:
        raise ArchitectureError("no ```dependencies block")
    for folder, targets in graph.items():
        for target in targets:
            if target not in graph:
                raise ArchitectureError(
                    "```dependencies block: %s -> %s, but %s has no line of its own"
                    % (folder, target, target))
    kernels = parse_block(text, "kernels") or {}
    for name, concepts in kernels.items():
        if len(concepts) != 1 or concepts[0] not in graph:
            raise ArchitectureError(
                "```kernels block: %s needs exactly one concept folder of the graph, got %s"
                % (name, " ".join(concepts) or "none"))
    return graph, {name: concepts[0] for name, concepts in kernels.items()}


class Checker:
    """Checks the includes of a tree held as {relative path: text}."""

    def __init__(self, graph, kernel_concepts, files):
        self.graph = graph
        self.kernel_concepts = kernel_concepts
        self.files = files
        self.concepts = set(graph) - {"cli", KERNELS}
        self.violations = []

    # Where a file lives: (folder, kind) with kind public, private, forwarder or kernel.
    def locate(self, path):
        parts = path.split("/")
        if parts[0] == "include" and len(parts) >= 2 and parts[1] == "ismc":
            if len(parts) == 3:
                return FORWARDERS, "forwarder"
            return parts[2], "public"
        if parts[0] == "src" and len(parts) >= 3:
            return parts[1], "private"
        if parts[0] == KERNELS:
            return KERNELS, "kernel"
        return None, None

    # What an include names: (folder, kind, resolved path or None).
    def resolve(self, including, name):
        here = os.path.dirname(including)
        local = os.path.normpath(os.path.join(here, name)).replace(os.sep, "/")
        if local in self.files and not name.startswith("ismc/"):
            folder, kind = self.locate(local)
            return folder, kind, local
        parts = name.split("/")
        if parts[0] == "ismc":
            if len(parts) == 2:
                return FORWARDERS, "forwarder", "include/" + name
            return parts[1], "public", "include/" + name
        if len(parts) >= 2:
            return parts[0], "private", "src/" + name
        return None, "unknown", None

    def report(self, path, line, message):
        self.violations.append("%s:%d: %s" % (path, line, message))

    def allowed_text(self, folder):
        targets = self.graph.get(folder, [])
        return "%s may include %s" % (folder, " ".join([folder] + targets))

    def check_file(self, path, text):
        folder, kind = self.locate(path)
        if folder is None:
            return
        concept = None
        if kind == "kernel":
            concept = self.kernel_concepts.get(os.path.basename(path))
            if concept is None:
                self.report(path, 1, "kernel file not in the ```kernels block of "
                            "docs/ARCHITECTURE.md (name its concept there)")
        elif folder not in self.graph and kind != "forwarder":
            self.report(path, 1, "folder %s has no line in the ```dependencies block of "
                        "docs/ARCHITECTURE.md" % folder)
            return
        for number, line in enumerate(text.splitlines(), 1):
            match = INCLUDE_RE.match(line)
            if match:
                self.check_include(path, number, folder, kind, concept, match.group(1))

    def check_include(self, path, line, folder, kind, concept, name):
        to_folder, to_kind, _ = self.resolve(path, name)
        edge = '%s -> %s ("%s")' % (folder, to_folder, name)
        if to_kind == "unknown":
            self.report(path, line, '"%s" names no folder: include public headers as '
                        '"ismc/<concept>/x.hpp" and private ones as "<concept>/x.hpp"' % name)
            return
        if kind == "forwarder":
            if to_kind != "public":
                self.report(path, line, 'forwarding header includes "%s": a forwarder '
                            'includes only "ismc/<concept>/..." headers' % name)
            return
        if to_kind == "forwarder":
            self.report(path, line, '%s: "%s" is an old forwarding header, kept for one '
                        'release for users; include "ismc/<concept>/..." instead' % (edge, name))
            return
        if kind == "public" and to_kind != "public":
            self.report(path, line, '%s: a public header includes only public headers '
                        '("ismc/..."); "%s" is private' % (edge, name))
            return
        if folder == "cli" and to_kind == "private" and to_folder != "cli":
            self.report(path, line, '%s: the CLI includes only public headers ("ismc/...") '
                        'and its own ("cli/..."); "%s" is private to src/%s/'
                        % (edge, name, to_folder))
            return
        if kind == "kernel":
            if to_kind == "kernel":
                return
            if to_kind == "private" and concept is not None and to_folder not in (concept, "core"):
                self.report(path, line, '%s: a kernel of %s includes the private headers of '
                            '%s and core only' % (edge, concept, concept))
                return
        if to_kind == "kernel":
            if kind != "kernel":
                self.report(path, line, '%s: kernels/ headers are for kernels/ only' % edge)
            return
        if to_folder == folder:
            return
        if to_folder not in self.graph:
            self.report(path, line, "%s: %s is not a folder of the ```dependencies block; %s"
                        % (edge, to_folder, self.allowed_text(folder)))
            return
        if to_folder not in self.graph.get(folder, []):
            self.report(path, line, "%s is not allowed; %s" % (edge, self.allowed_text(folder)))

    def check_umbrella(self):
        public = sorted(path for path in self.files
                        if self.locate(path)[1] == "public" and path.endswith(".hpp"))
        if not public:
            return
        if UMBRELLA not in self.files:
            self.report(UMBRELLA, 1, "the umbrella header is missing")
            return
        included = set()
        for line in self.files[UMBRELLA].splitlines():
            match = INCLUDE_RE.match(line)
            if match:
                included.add("include/" + match.group(1))
        for path in public:
            if path not in included:
                self.report(UMBRELLA, 1, 'the umbrella does not include "%s"'
                            % path[len("include/"):])

    def run(self):
        for path in sorted(self.files):
            self.check_file(path, self.files[path])
        self.check_umbrella()
        return self.violations


def read_tree(root):
    files = {}
    for top in ("include/ismc", "src", KERNELS):
        base = os.path.join(root, top)
        for directory, _, names in os.walk(base):
            for name in names:
                if name.endswith(SOURCE_SUFFIXES):
                    full = os.path.join(directory, name)
                    rel = os.path.relpath(full, root).replace(os.sep, "/")
                    with open(full, encoding="utf-8", errors="replace") as f:
                        files[rel] = f.read()
    return files


SELF_TEST_ARCHITECTURE = """
```dependencies
cli: population core
population: core
core:
kernels: population core
```

```kernels
population.cu: population
check.cuh: core
```
"""


def self_test():
    graph, kernels = parse_architecture(SELF_TEST_ARCHITECTURE)
    cases = [
        # (name, files, expected number of violations, a phrase the first must contain)
        ("allowed edge passes",
         {"src/population/a.cpp": '#include "ismc/core/error.hpp"\n#include "core/p.hpp"\n',
          "src/core/p.hpp": ""}, 0, None),
        ("own folder passes",
         {"src/population/a.cpp": '#include "population/m.hpp"\n'
                                  '#include "ismc/population/s.hpp"\n'}, 0, None),
        ("forbidden edge fails",
         {"src/core/a.cpp": '#include "ismc/population/s.hpp"\n'}, 1,
         "core -> population"),
        ("CLI private include fails",
         {"src/cli/a.cpp": '#include "cli/flags.hpp"\n#include "core/parallel.hpp"\n'}, 1,
         "the CLI includes only public headers"),
        ("CLI public include passes",
         {"src/cli/a.cpp": '#include "ismc/population/s.hpp"\n#include "cli/x.hpp"\n'}, 0, None),
        ("public header including a private one fails",
         {"include/ismc/population/s.hpp": '#include "population/m.hpp"\n',
          UMBRELLA: '#include "ismc/population/s.hpp"\n'}, 1,
         "a public header includes only public headers"),
        ("library including a forwarder fails",
         {"src/population/a.cpp": '#include "ismc/population.hpp"\n'}, 1,
         "old forwarding header"),
        ("forwarder including a public header passes",
         {"include/ismc/population.hpp": '#include "ismc/population/s.hpp"\n',
          "include/ismc/population/s.hpp": "", UMBRELLA: '#include "ismc/population/s.hpp"\n'},
         0, None),
        ("umbrella missing a public header fails",
         {"include/ismc/population/s.hpp": "", "include/ismc/core/e.hpp": "",
          UMBRELLA: '#include "ismc/core/e.hpp"\n'}, 1,
         'the umbrella does not include "ismc/population/s.hpp"'),
        ("public headers without an umbrella fail",
         {"include/ismc/core/e.hpp": ""}, 1, "the umbrella header is missing"),
        ("kernel with its concept's private header passes",
         {"kernels/population.cu": '#include "population/m.hpp"\n#include "check.cuh"\n'
                                   '#include "ismc/core/error.hpp"\n',
          "kernels/check.cuh": '#include "ismc/core/error.hpp"\n'}, 0, None),
        ("kernel not in the kernels block fails",
         {"kernels/other.cu": '#include "ismc/core/error.hpp"\n'}, 1,
         "kernel file not in the ```kernels block"),
        ("kernel with another concept's private header fails",
         {"kernels/population.cu": '#include "cli/flags.hpp"\n'}, 1,
         "private headers of population and core only"),
        ("unknown folder fails",
         {"src/core/a.cpp": '#include "nowhere.hpp"\n'}, 1, "names no folder"),
        ("commented-out and system includes are ignored",
         {"src/core/a.cpp": '// #include "ismc/population/s.hpp"\n#include <vector>\n'}, 0, None),
    ]
    failures = 0
    for name, files, expected, phrase in cases:
        violations = Checker(graph, kernels, files).run()
        ok = len(violations) == expected and (phrase is None or phrase in violations[0])
        print("%s: %s" % ("ok  " if ok else "FAIL", name))
        if not ok:
            failures += 1
            print("      expected %d violation(s)%s, got: %s"
                  % (expected, "" if phrase is None else " containing %r" % phrase, violations))
    for bad, phrase in [("```dependencies\ncli: nowhere\n```\n", "has no line of its own"),
                        ("no block here\n", "no ```dependencies block")]:
        try:
            parse_architecture(bad)
            print("FAIL: bad architecture %r accepted" % bad)
            failures += 1
        except ArchitectureError as e:
            ok = phrase in str(e)
            print("%s: bad architecture rejected (%s)" % ("ok  " if ok else "FAIL", e))
            failures += 0 if ok else 1
    print("self-test: %d failure(s)" % failures)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--root", default=os.path.normpath(os.path.join(here, "..", "..")))
    parser.add_argument("--architecture", help="default: ROOT/docs/ARCHITECTURE.md")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    architecture = args.architecture or os.path.join(args.root, "docs", "ARCHITECTURE.md")
    try:
        with open(architecture, encoding="utf-8") as f:
            graph, kernels = parse_architecture(f.read())
    except (OSError, ArchitectureError) as e:
        print("layering: %s: %s" % (architecture, e), file=sys.stderr)
        return 2
    files = read_tree(args.root)
    violations = Checker(graph, kernels, files).run()
    for v in violations:
        print(v)
    print("layering: %d files, %d violation(s) of %s"
          % (len(files), len(violations), os.path.relpath(architecture, args.root)))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
