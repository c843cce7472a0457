#!/usr/bin/python3
"""The version scheme: one version, from the vX.Y.Z tag `git describe` finds, else project()'s.

usage: check_version.py SOURCE_DIR [IMAGE_BUILD_DIR]

Checks, each failing with a line that says what is wrong:
- CHANGELOG.md opens with an Unreleased section, then releases `## X.Y.Z - YYYY-MM-DD`, newest
  first, versions strictly falling, dates not rising; project()'s VERSION in CMakeLists.txt is
  the newest of them.
- Every tag named v<digit>... in the repository is an annotated tag vX.Y.Z with a CHANGELOG entry.
- cmake/version.cmake, run on a scratch repository: no tag gives the fallback; an annotated tag
  v1.2.3 gives 1.2.3; a commit after it 1.2.3-1-g<hash>; a change in the work tree -dirty; a
  lightweight tag and a tag outside the scheme are not versions; outside git the hash is unknown.
- With IMAGE_BUILD_DIR: the image's generated highmem_version.h holds what cmake/version.cmake
  gives for SOURCE_DIR now, and highmem.elf carries that version string (the banner's and
  `version`'s).
"""
import os
import re
import subprocess
import sys
import tempfile

RELEASE_RE = re.compile(r"^## (\d+)\.(\d+)\.(\d+) - (\d{4}-\d{2}-\d{2})$")
errors = []


def fail(msg):
    errors.append(msg)
    print("FAIL: " + msg)


def git(repo, *args, check=True):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True,
                          check=check).stdout.strip()


def run_version_cmake(source, src_dir, fallback, out_dir):
    """(version, git) that cmake/version.cmake writes for src_dir."""
    out = os.path.join(out_dir, "highmem_version.h")
    subprocess.run(["cmake", f"-DSOURCE_DIR={src_dir}", f"-DFALLBACK_VERSION={fallback}",
                    f"-DOUTPUT={out}", "-P", os.path.join(source, "cmake", "version.cmake")],
                   check=True, capture_output=True)
    text = open(out, encoding="utf-8").read()
    version = re.search(r'#define HIGHMEM_VERSION "([^"]*)"', text).group(1)
    rev = re.search(r'#define HIGHMEM_GIT_REV "([^"]*)"', text).group(1)
    return version, rev


def check_changelog(source):
    lines = open(os.path.join(source, "CHANGELOG.md"), encoding="utf-8").read().splitlines()
    headings = [l for l in lines if l.startswith("## ")]
    if not headings or headings[0] != "## Unreleased":
        fail(f"CHANGELOG.md: the first section is {headings[:1]}, not '## Unreleased'")
    releases = []
    for h in headings[1:]:
        m = RELEASE_RE.match(h)
        if not m:
            fail(f"CHANGELOG.md: heading {h!r} is not '## X.Y.Z - YYYY-MM-DD'")
            continue
        releases.append((tuple(int(x) for x in m.group(1, 2, 3)), m.group(4)))
    for (v1, d1), (v2, d2) in zip(releases, releases[1:]):
        if not v1 > v2 or d1 < d2:
            fail(f"CHANGELOG.md: {v1} ({d1}) listed before {v2} ({d2}): newest first")
    cm = open(os.path.join(source, "CMakeLists.txt"), encoding="utf-8").read()
    m = re.search(r"project\(highmem VERSION (\d+)\.(\d+)\.(\d+)", cm)
    if not m:
        fail("CMakeLists.txt: no project(highmem VERSION X.Y.Z)")
    elif not releases or tuple(int(x) for x in m.groups()) != releases[0][0]:
        fail(f"CMakeLists.txt: project VERSION {'.'.join(m.groups())} is not the newest release "
             f"in CHANGELOG.md ({releases[0][0] if releases else None})")
    return {"%d.%d.%d" % v for v, _ in releases}


def check_tags(source, released):
    if not os.path.exists(os.path.join(source, ".git")):
        print("no git checkout: tags not checked")
        return
    for tag in git(source, "tag", "--list", "v[0-9]*").split():
        if not re.fullmatch(r"v\d+\.\d+\.\d+", tag):
            fail(f"tag {tag} does not fit vX.Y.Z")
            continue
        if git(source, "cat-file", "-t", tag) != "tag":
            fail(f"tag {tag} is a lightweight tag; releases are annotated (git tag -a)")
        if tag[1:] not in released:
            fail(f"tag {tag} has no '## {tag[1:]} - DATE' section in CHANGELOG.md")


def check_scheme(source):
    with tempfile.TemporaryDirectory() as tmp:
        repo = os.path.join(tmp, "repo")
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        os.makedirs(repo)
        env_git = ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false",
                   "-c", "tag.gpgsign=false"]

        def commit(msg):
            with open(os.path.join(repo, "f"), "a", encoding="utf-8") as f:
                f.write(msg + "\n")
            git(repo, "add", "f")
            git(repo, *env_git, "commit", "-q", "-m", msg)
            return git(repo, "rev-parse", "--short=12", "HEAD")

        def expect(what, version, rev):
            got = run_version_cmake(source, repo, "0.9.0", out)
            if got != (version, rev):
                fail(f"version.cmake, {what}: got {got}, expected {(version, rev)}")

        expect("outside git", "0.9.0", "unknown")
        git(repo, "init", "-q")
        h1 = commit("one")
        expect("no tag", "0.9.0", h1)
        git(repo, *env_git, "tag", "-a", "v1.2.3", "-m", "r")
        expect("at an annotated tag", "1.2.3", h1)
        h2 = commit("two")
        git(repo, "tag", "v9.9.9")                            # lightweight: not a release
        git(repo, *env_git, "tag", "-a", "v2.0", "-m", "r")   # outside the scheme
        expect("one commit after the tag", f"1.2.3-1-g{h2}", h2)
        with open(os.path.join(repo, "f"), "a", encoding="utf-8") as f:
            f.write("changed\n")
        expect("uncommitted change", f"1.2.3-1-g{h2}-dirty", f"{h2}-dirty")


def check_image(source, image_dir):
    with tempfile.TemporaryDirectory() as tmp:
        cm = open(os.path.join(source, "CMakeLists.txt"), encoding="utf-8").read()
        fallback = re.search(r"project\(highmem VERSION (\S+)", cm).group(1)
        now = run_version_cmake(source, source, fallback, tmp)
    header = os.path.join(image_dir, "generated", "highmem_version.h")
    text = open(header, encoding="utf-8").read()
    built = (re.search(r'HIGHMEM_VERSION "([^"]*)"', text).group(1),
             re.search(r'HIGHMEM_GIT_REV "([^"]*)"', text).group(1))
    if built != now:
        fail(f"{header} says {built}, cmake/version.cmake now {now}: the image is stale")
    elf = open(os.path.join(image_dir, "highmem.elf"), "rb").read()
    # The linker merges a string that ends another (the hash ends a describe version) into it,
    # so the hash may be found only as a string's tail.
    if b"\0" + built[0].encode() + b"\0" not in elf:
        fail(f"highmem.elf does not carry the version string {built[0]!r}")
    if built[1].encode() + b"\0" not in elf:
        fail(f"highmem.elf does not carry the git string {built[1]!r}")
    print(f"image version {built[0]} (git {built[1]})")


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    source = argv[1]
    released = check_changelog(source)
    check_tags(source, released)
    check_scheme(source)
    if len(argv) == 3:
        check_image(source, argv[2])
    print(f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
