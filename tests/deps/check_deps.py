#!/usr/bin/python3
"""check_deps.py — would `make test` and `make bench` work on a fresh Debian machine?

A newcomer has Debian, a clone of lute and nothing else: `make test` installs vendor/packages.txt
(`make bench` also vendor/packages-bench.txt) and must then find everything it uses.  A library or
tool that is on *this* machine for another reason passes here and fails there (that is how
`cannot find -lfftw3` reached main).  This check takes what the build and the scripts really use:

  * libraries: every `-lNAME` on the link lines of `make -n -B all` (a dry run, rebuilt from
    scratch), plus every pkg-config module of the Makefile's PKGS (its .pc file and its `--libs`:
    if a module is missing, pkg-config prints nothing and its libraries would vanish from the dry
    run, so each is asked for on its own);
  * commands: the shell lines of `make -n -B all run test fuzz` and `make -n -B bench`; in the
    shell scripts under tests/ and bench/ (by shebang), the words in command position that are
    installed; in the Python ones, the program of every subprocess call, every `shutil.which`
    argument and every list literal that reads like a command line (`["sox", "-n", ...]`), plus
    absolute paths such as "/usr/bin/time"; interpreters named by shebangs; Lua's os.execute;
  * Python modules: every `import` in the Python files under tests/ and bench/, found the way
    `/usr/bin/python3 -I` finds them (Debian's interpreter, no user site, no PYTHONPATH);

finds the Debian package that owns each file (`dpkg -S`), and accepts it when that package is
listed, pulled in by a listed package (Depends and Pre-Depends, recursively, through the installed
packages' own metadata, so no network or apt lists are needed), or essential / priority required.
Commands are looked up on Debian's PATH (/usr/sbin:/usr/bin:/sbin:/bin): /usr/local and home
folders hold nothing a package installed.  `git` counts as present: a clone arrives by git.

What tests/ and the Makefile use must come from vendor/packages.txt; what only bench/ (and the
`bench` recipe) uses may come from vendor/packages-bench.txt as well.  A command a script needs
that is not installed at all fails the check, except a bench-only one while the bench list is not
fully installed (then nobody has run `make bench` here and its package cannot be asked; it is
reported as not checked).  tests/oracle/data/ is left out: its Node scripts only regenerate the
corpora (see its README) and are not run by `make test`.

Usage: /usr/bin/python3 tests/deps/check_deps.py [--packages FILE] [--bench-packages FILE] [-v]
Prints one line per problem (naming the library, module or command, the file that uses it, the
owning package and the list to add it to) and "check-deps: N passed, N failed"; exit 1 on failure.
tests/deps/test_deps runs it and also proves, on copies of the lists, that it catches what it claims.
"""
import argparse
import ast
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEBIAN_PATH = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
ASSUMED = {"git": "the project arrives by git clone"}      # package -> why it counts as present
SKIP_DIRS = {"out", "node_modules", "work", "results", "__pycache__", ".git"}
SKIP_TREES = [os.path.join("tests", "oracle", "data"),   # regeneration tooling, not run by the tests
              os.path.join("tests", "deps", "test_deps")]  # its strings are test data for this check
# Words that never name a program in a shell line (keywords, builtins that have no meaning as files).
SH_WORDS = {"if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until", "case",
            "esac", "function", "return", "local", "export", "set", "unset", "shift", "exit", "cd",
            "eval", "exec", "read", "wait", "trap", "break", "continue", "source", ".", ":", "!",
            "{", "}", "[[", "]]", "declare", "readonly", "type", "alias"}
SH_PREFIX = {"exec", "env", "time", "timeout", "nice", "nohup", "command", "then", "do", "else",
             "elif", "if", "while", "until", "!", "{"}
SH_SEPARATORS = {";", ";;", "|", "||", "&", "&&", "(", ")", "|&", "`", "$(", "\n"}
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output", "system", "popen", "execvp",
                    "execv", "execlp", "spawnvp", "which", "getoutput", "getstatusoutput"}


# --------------------------------------------------------------------------------------------
# What the project uses.  Each use is (kind, name, path-or-None, scope, where).
# --------------------------------------------------------------------------------------------
def debian_which(cmd):
    """The file a Debian machine runs for `cmd` (an absolute path is taken as it is), or None."""
    if cmd.startswith("/"):
        return cmd if os.path.exists(cmd) else None
    for d in DEBIAN_PATH:
        p = os.path.join(d, cmd)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def make_dry_run(*targets):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "B")}
    r = subprocess.run(["make", "--no-print-directory", "-n", "-B", *targets], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    return r.stdout


def make_variable(name):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(["make", "--no-print-directory", "-s", f"--eval=__print_var: ; @echo $({name})",
                        "__print_var"], cwd=ROOT, env=env, capture_output=True, text=True)
    return r.stdout.split()


def library_uses():
    uses, problems = [], []
    libs = {}
    for line in make_dry_run("all").splitlines():
        for m in re.finditer(r"(?:^|\s)-l([A-Za-z0-9_.+-]+)", line):
            libs.setdefault(m.group(1), "link line of `make -n -B all`")
    for mod in make_variable("PKGS"):
        pc = subprocess.run(["pkg-config", "--path", mod], capture_output=True, text=True)
        if pc.returncode != 0 or not pc.stdout.strip():
            problems.append(f"MISSING pkg-config module {mod} (Makefile PKGS): pkg-config cannot find {mod}.pc, "
                            "so the build links without it; install the -dev package that ships it and list it "
                            "in vendor/packages.txt")
            continue
        uses.append(("pkg-config module", mod, pc.stdout.strip(), "test", "Makefile PKGS"))
        out = subprocess.run(["pkg-config", "--libs", mod], capture_output=True, text=True).stdout
        for m in re.finditer(r"(?:^|\s)-l([A-Za-z0-9_.+-]+)", out):
            libs.setdefault(m.group(1), f"pkg-config --libs {mod}")
    for lib, where in sorted(libs.items()):
        path = None
        for suffix in (".so", ".a"):
            f = subprocess.run(["cc", "-print-file-name=lib" + lib + suffix], capture_output=True, text=True).stdout.strip()
            if f.startswith("/"):
                path = os.path.normpath(f)
                break
        if path is None:
            problems.append(f"MISSING library -l{lib} ({where}): the compiler finds no lib{lib}.so or .a")
        else:
            uses.append(("library", "-l" + lib, path, "test", where))
    return uses, problems


def project_files():
    for top in ("tests", "bench"):
        for d, dirs, files in os.walk(os.path.join(ROOT, top)):
            rel = os.path.relpath(d, ROOT)
            dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and os.path.join(rel, x) not in SKIP_TREES)
            for f in sorted(files):
                if os.path.join(rel, f) not in SKIP_TREES:
                    yield os.path.join(d, f)


def file_kind(path):
    try:
        with open(path, "rb") as fh:
            head = fh.read(200).split(b"\n", 1)[0].decode("utf-8", "replace")
    except OSError:
        return None, None
    shebang = head[2:].strip() if head.startswith("#!") else None
    if path.endswith(".py") or (shebang and "python" in shebang):
        return "python", shebang
    if path.endswith(".lua"):
        return "lua", shebang
    if path.endswith(".sh") or (shebang and re.search(r"\b(sh|bash|dash)\b", shebang)):
        return "shell", shebang
    return None, shebang


def shebang_command(shebang):
    words = shebang.split()
    if not words:
        return None
    if os.path.basename(words[0]) == "env" and len(words) > 1:
        return words[1]
    return words[0]


def shell_commands(text):
    """(word, line) for the words in command position of a shell text (approximate, see the module doc)."""
    out = []
    lines = text.replace("\\\n", " ").split("\n")
    for no, line in enumerate(lines, 1):
        for m in re.finditer(r"(?<![\w.-])(/(?:usr/)?s?bin/[\w.+-]+)", line):   # absolute program paths
            out.append((m.group(1), no))
        lex = shlex.shlex(line.replace("$(", " ( ").replace("`", " ` "), posix=True, punctuation_chars=";&|()")
        lex.whitespace_split = True
        lex.commenters = "#"
        try:
            toks = list(lex)
        except ValueError:          # a quote spanning lines: skip the line
            continue
        at_cmd, skip_next = True, False
        for i, t in enumerate(toks):
            if t in SH_SEPARATORS or set(t) <= set(";&|()"):
                at_cmd = True
                continue
            if not at_cmd:
                continue
            if skip_next:
                skip_next = False
                continue
            if "=" in t and not t.startswith("="):       # VAR=value before a command
                continue
            if t in SH_PREFIX:
                skip_next = t == "timeout"
                continue
            if t.startswith("-"):                        # options of env/timeout/...
                continue
            at_cmd = False
            if t in SH_WORDS or "$" in t or "/" in t or "*" in t:
                continue
            if i + 1 < len(toks) and toks[i + 1] == ")":   # a case pattern "word)"
                continue
            out.append((t, no))
    return out


def python_uses(tree):
    """Commands (word, line, strong) and imports (module, line) of a Python file."""
    cmds, mods = [], []

    def first_word(node):
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            node = node.elts[0]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
            return node.value.split()[0]
        return None

    # List literals that are a lambda's result ("lambda o: ["chuck", "--silent", ...]") are command lines
    # for sure; elsewhere a list that only looks like one (["nosuch.lua", "--no-repl"], test data)
    # counts only if the word is an installed program.
    returned = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Lambda):
            body = node.body
            while isinstance(body, ast.BinOp):
                body = body.left
            returned.add(id(body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                mods.append((a.name.split(".")[0], node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.append((node.module.split(".")[0], node.lineno))
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if name in SUBPROCESS_CALLS and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.BinOp):          # ["prog", ...] + rest
                    arg = arg.left
                w = first_word(arg)
                if w:
                    cmds.append((w, node.lineno, True))
        elif isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) >= 2:
            a, b = node.elts[0], node.elts[1]
            if (isinstance(a, ast.Constant) and isinstance(a.value, str) and re.fullmatch(r"[\w.+-]+", a.value)
                    and isinstance(b, ast.Constant) and isinstance(b.value, str) and re.match(r"--?[A-Za-z]", b.value)):
                cmds.append((a.value, node.lineno, id(node) in returned))   # reads like ["sox", "-n", ...]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"/(usr/)?s?bin/[\w.+-]+", node.value):
                cmds.append((node.value, node.lineno, True))
    return cmds, mods


def script_uses():
    """Commands and Python modules used by the scripts under tests/ and bench/ and the Makefile."""
    cmds = {}      # word -> [strong, scope, where]
    mods = {}      # module -> [scope, where, extra sys.path dirs]

    def add_cmd(word, strong, scope, where):
        c = cmds.setdefault(word, [strong, scope, where])
        c[0] = c[0] or strong
        if scope == "test" and c[1] != "test":
            c[1], c[2] = "test", where

    for targets, scope in ((("all", "run", "test", "fuzz"), "test"), (("bench",), "bench")):
        for w, no in shell_commands(make_dry_run(*targets)):
            add_cmd(w, False, scope, f"`make -n {' '.join(targets)}`")
    for path in project_files():
        rel = os.path.relpath(path, ROOT)
        scope = "bench" if rel.startswith("bench" + os.sep) else "test"
        kind, shebang = file_kind(path)
        if shebang and kind:
            w = shebang_command(shebang)
            if w:
                add_cmd(w, True, scope, f"{rel}:1 (#!)")
        if kind is None:
            continue
        text = open(path, encoding="utf-8", errors="replace").read()
        if kind == "shell":
            for w, no in shell_commands(text):
                add_cmd(w, False, scope, f"{rel}:{no}")
        elif kind == "lua":
            for m in re.finditer(r"(?:os\.execute|io\.popen)\s*\(?\s*[\"']\s*([\w./+-]+)", text):
                add_cmd(m.group(1), True, scope, f"{rel}:{text.count(chr(10), 0, m.start()) + 1}")
        elif kind == "python":
            try:
                tree = ast.parse(text, filename=rel)
            except SyntaxError as e:
                print(f"check-deps: cannot parse {rel}: {e}", file=sys.stderr)
                continue
            c, m = python_uses(tree)
            for w, no, strong in c:
                add_cmd(w, strong, scope, f"{rel}:{no}")
            for mod, no in m:
                e = mods.setdefault(mod, [scope, f"{rel}:{no}", set()])
                if scope == "test" and e[0] != "test":
                    e[0], e[1] = "test", f"{rel}:{no}"
                e[2].add(os.path.dirname(path))
    return cmds, mods


def python_origins(mods):
    """module -> origin file (None: not importable; "" built into the interpreter), as /usr/bin/python3 -I sees it."""
    dirs = sorted({d for m in mods.values() for d in m[2]})
    # every project folder with Python in it, since scripts put their neighbours on sys.path
    for p in project_files():
        if p.endswith(".py"):
            dirs.append(os.path.dirname(p))
    prog = ("import importlib.util, sys\n"
            "sys.path[1:1] = sorted(set(sys.argv[1].split('\\n')))\n"
            "for m in sys.argv[2:]:\n"
            "    try:\n"
            "        s = importlib.util.find_spec(m)\n"
            "    except Exception:\n"
            "        s = None\n"
            "    o = '-' if s is None else (s.origin if s.origin and s.origin not in ('built-in', 'frozen') else '')\n"
            "    print(m + '\\t' + o)\n")
    r = subprocess.run(["/usr/bin/python3", "-I", "-c", prog, "\n".join(dirs), *sorted(mods)],
                       capture_output=True, text=True, cwd="/")
    out = {}
    for line in r.stdout.splitlines():
        m, _, o = line.partition("\t")
        out[m] = None if o == "-" else o
    return out


def gather():
    """Everything the project uses: (uses, problems) where problems need no package lists to see."""
    uses, problems = library_uses()
    cmds, mods = script_uses()
    for word, (strong, scope, where) in sorted(cmds.items()):
        path = debian_which(word)
        if path:
            uses.append(("command", word, path, scope, where))
        elif strong:
            uses.append(("command", word, None, scope, where))   # needed, not installed
    origins = python_origins(mods)
    for mod, (scope, where, _) in sorted(mods.items()):
        o = origins.get(mod, None)
        if o == "":
            continue                                   # built into the interpreter
        if o is not None and os.path.abspath(o).startswith(ROOT + os.sep):
            continue                                   # one of the project's own modules
        uses.append(("python module", mod, o, scope, where))
    return uses, problems


# --------------------------------------------------------------------------------------------
# Debian's side: owners of files, what a list of packages brings.
# --------------------------------------------------------------------------------------------
def owners(paths):
    """path -> set of packages that own it (dpkg -S); tries the path as given, then symlinks resolved,
    then the other side of the merged /usr."""
    def ask(ps):
        found = {}
        if not ps:
            return found
        r = subprocess.run(["dpkg", "-S", *ps], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if line.startswith("diversion "):
                continue
            pk, sep, p = line.partition(": ")
            if sep:
                found.setdefault(p.strip(), set()).update(x.strip().split(":")[0] for x in pk.split(","))
        return found

    res = {}
    variants = {}
    for p in paths:
        vs = [p, os.path.realpath(p)]
        for v in list(vs):
            if v.startswith("/usr/"):
                vs.append(v[4:])
            else:
                vs.append("/usr" + v)
        variants[p] = list(dict.fromkeys(vs))
    found = ask(sorted({v for vs in variants.values() for v in vs}))
    for p, vs in variants.items():
        for v in vs:
            if v in found:
                res[p] = found[v]
                break
    return res


def installed_db():
    """name -> {deps: [[alternatives]], essential: bool} for installed packages, and virtual -> providers."""
    fmt = "${Package}\t${db:Status-Abbrev}\t${Essential}\t${Priority}\t${Provides}\t${Pre-Depends}, ${Depends}\n"
    r = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True)
    db, provides = {}, {}

    def names(field):
        groups = []
        for dep in field.split(","):
            alts = [re.sub(r"[\s(].*$", "", a.strip()).split(":")[0] for a in dep.split("|")]
            alts = [a for a in alts if a]
            if alts:
                groups.append(alts)
        return groups

    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 6 or not parts[1].startswith("ii"):
            continue
        name, _, ess, prio, prov, deps = parts[:6]
        db[name] = {"deps": names(deps), "essential": ess == "yes" or prio == "required"}
        for g in names(prov):
            for v in g:
                provides.setdefault(v, set()).add(name)
    return db, provides


def read_list(path):
    pkgs = []
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            pkgs.append(line.split()[0])
    return pkgs


def closure(listed, db, provides):
    """The installed packages that installing `listed` brings: themselves and their Depends/Pre-Depends,
    recursively (an alternative or a virtual package counts through whichever installed package satisfies it)."""
    seen, todo = set(), list(listed)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for alts in db.get(p, {}).get("deps", []):
            for a in alts:
                for q in ([a] if a in db else []) + sorted(provides.get(a, ())):
                    if q not in seen:
                        todo.append(q)
    return seen


def evaluate(uses, packages, bench_packages, db, provides, owner_of, files):
    """Checks every use against the lists (named `files` in messages); returns (passed lines, failed
    lines, unchecked lines)."""
    base = closure(packages, db, provides)
    bench = closure(packages + bench_packages, db, provides)
    essential = {p for p, d in db.items() if d["essential"]}
    bench_missing = [p for p in bench_packages if p not in db]
    ok, bad, unchecked = [], [], []
    pkg_name, bench_name = (os.path.relpath(f, ROOT) if f.startswith(ROOT + os.sep) else f for f in files)
    for kind, name, path, scope, where in uses:
        have = base if scope == "test" else bench
        lists = pkg_name if scope == "test" else f"{pkg_name} or {bench_name}"
        what = f"{kind} {name} ({where})"
        if path is None:
            if kind == "command" and scope == "bench" and bench_missing:
                unchecked.append(f"not checked: {what}: not installed here, and {bench_name} is not fully installed "
                                 f"({' '.join(bench_missing)}); `sh vendor/install {bench_name}` first")
            elif kind == "command":
                bad.append(f"MISSING {what}: no such program on Debian's PATH, and no package in {lists} installs it")
            else:
                bad.append(f"MISSING {what}: /usr/bin/python3 -I cannot import it: it is neither in the project nor "
                           f"installed by a package in {lists}")
            continue
        pk = owner_of.get(path)
        if not pk:
            bad.append(f"MISSING {what}: {path} belongs to no Debian package (installed by hand?); "
                       f"use a packaged one and list its package in {lists}")
            continue
        why = None
        for p in sorted(pk):
            if p in packages or (scope == "bench" and p in bench_packages):
                why = f"{p}, listed"
            elif p in have:
                why = why or f"{p}, pulled in"
            elif p in essential:
                why = why or f"{p}, essential"
            elif p in ASSUMED:
                why = why or f"{p}, {ASSUMED[p]}"
            if why and why.endswith("listed"):
                break
        if why:
            ok.append(f"ok {what}: {path} ({why})")
        else:
            names = ", ".join(sorted(pk))
            bad.append(f"MISSING {what}: {path} comes from package {names}, which {lists} neither lists nor pulls "
                       f"in; add {names} to {pkg_name if scope == 'test' else bench_name}")
    return ok, bad, unchecked


PACKAGES_FILE = [os.path.join(ROOT, "vendor", "packages.txt"), os.path.join(ROOT, "vendor", "packages-bench.txt")]


class Inventory:
    """What the project uses and who owns it, gathered once; `check` judges it against any lists."""

    def __init__(self):
        self.uses, self.problems = gather()
        self.owner_of = owners(sorted({u[2] for u in self.uses if u[2]}))
        self.db, self.provides = installed_db()

    def check(self, packages_file, bench_file):
        packages, bench = read_list(packages_file), read_list(bench_file)
        ok, bad, unchecked = evaluate(self.uses, packages, bench, self.db, self.provides, self.owner_of,
                                      (packages_file, bench_file))
        not_installed = [p for p in packages if p not in self.db]
        if not_installed:
            bad.append(f"NOT INSTALLED (listed in {packages_file}): {' '.join(not_installed)}; "
                       "run `sh vendor/install` (make test does) and check again")
        return ok, self.problems + bad, unchecked


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--packages", default=PACKAGES_FILE[0])
    ap.add_argument("--bench-packages", default=PACKAGES_FILE[1])
    ap.add_argument("-v", "--verbose", action="store_true", help="also print what passed, with its package")
    a = ap.parse_args()
    ok, bad, unchecked = Inventory().check(os.path.abspath(a.packages), os.path.abspath(a.bench_packages))
    for line in (ok if a.verbose else []) + unchecked + bad:
        print(line)
    print(f"check-deps: {len(ok)} passed, {len(bad)} failed" + (f" ({len(unchecked)} not checked)" if unchecked else ""))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
