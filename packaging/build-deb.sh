#!/usr/bin/env bash
# build-deb.sh — build relevo's Debian binary package from a source tree.
#
#   packaging/build-deb.sh OUTDIR [SRCDIR]
#
# Copies SRCDIR (default: the tree this script is in; from a git work tree
# only the files git knows or does not ignore, so no build products come
# along) into a temporary directory, puts packaging/debian there as ./debian
# (the top level of the tree is fixed, so debian/ cannot live there), runs
# `dpkg-buildpackage -us -uc -b`, and moves the .deb files into OUTDIR.
# DEB_BUILD_OPTIONS is passed through (nocheck skips `make check`).
#
# It never builds in SRCDIR and never writes outside the temporary directory
# and OUTDIR; the temporary directory is removed however it ends. The build
# dependencies come from packaging/install-deps.sh.
set -euo pipefail

usage() { echo "usage: build-deb.sh OUTDIR [SRCDIR]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
out=$1
src=${2:-$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)}
if [ ! -f "$src/configure.ac" ] || [ ! -d "$src/packaging/debian" ]; then
	echo "build-deb.sh: $src is not a relevo source tree" >&2
	exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

tmp=$(mktemp -d /tmp/relevo-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/relevo
mkdir "$tree"

# The copy: what git tracks or would track (a work tree; a tracked file
# deleted in the work tree is left out), else everything (an unpacked release
# tarball).
if git -C "$src" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done |
		tar --null -T - -cf -) | tar -xf - -C "$tree"
else
	cp -a "$src/." "$tree/"
fi
rm -rf "$tree/debian"
cp -a "$tree/packaging/debian" "$tree/debian"

# debian/changelog and configure.ac must name the same upstream version.
upstream=$(sed -n 's/^AC_INIT(\[relevo\], \[\([^]]*\)\].*/\1/p' "$tree/configure.ac")
deb=$(cd "$tree" && dpkg-parsechangelog -S Version)
if [ "${deb%-*}" != "$upstream" ]; then
	echo "build-deb.sh: debian/changelog has $deb, configure.ac has $upstream:" \
		"add a changelog entry (dch -v $upstream-1)" >&2
	exit 1
fi

echo "build-deb.sh: building relevo $deb in $tree"
if ! (cd "$tree" && dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1; then
	tail -n 60 "$tmp/build.log" >&2
	echo "build-deb.sh: dpkg-buildpackage failed (last lines above)" >&2
	exit 1
fi
found=0
for f in "$tmp"/*.deb; do
	[ -e "$f" ] || continue
	mv "$f" "$out/"
	echo "build-deb.sh: $out/$(basename "$f")"
	found=1
done
[ "$found" -eq 1 ] || { echo "build-deb.sh: no .deb was made" >&2; exit 1; }
