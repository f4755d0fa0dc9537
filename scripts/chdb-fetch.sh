#!/usr/bin/env bash
# Fetch chDB — ClickHouse 26.7 built as a library — for the conformance
# suite (internal/chconform), verify it, and print the path of libchdb.so.
#
#   lib=$(scripts/chdb-fetch.sh)      # then: CHDB_LIB_PATH=$lib go test -tags chdb ./internal/chconform/
#
# The library comes from npm (`npm pack`, 178 MB; 566 MB unpacked) into
# .cache/chdb/ (git-ignored; CHDB_CACHE overrides). The tarball must match
# the pinned integrity hash or nothing is unpacked. A cache verified
# before is reused without the network. CHDB_TARBALL=FILE takes an
# already-downloaded tarball instead of npm (verified all the same).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

pkg=@chdb/lib-linux-x64-gnu
version=26.7.3-stable.1
# npm's integrity of the tarball (`npm view $pkg@$version dist.integrity`),
# and the same SHA-512 in hex, which sha512sum prints.
integrity=sha512-XP97mMqnc5tZpKQywR8N7cLTsHNiTmHr30pC5mzo3jWmukjKn2IBa60c2B/gWUNcuFjOMjWoorQICCqBVj5wpw==
sha512=5cff7b98caa7739b59a4a432c11f0dedc2d3b073624e61ebdf4a42e66ce8de35a6ba48ca9f62016bad1cd81fe059435cb858ce3235a8a2b408082a81563e70a7

dir=${CHDB_CACHE:-$root/.cache/chdb}
lib=$dir/package/libchdb.so
marker=$dir/verified-$version

if [ -f "$lib" ] && [ "$(cat "$marker" 2>/dev/null)" = "$integrity" ]; then
  echo "$lib"
  exit 0
fi

mkdir -p "$dir"
tmp=$(mktemp -d "$dir/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -n "${CHDB_TARBALL:-}" ]; then
  tarball=$CHDB_TARBALL
else
  command -v npm >/dev/null 2>&1 || { echo "chdb-fetch: npm is needed to fetch $pkg@$version" >&2; exit 1; }
  echo "chdb-fetch: npm pack $pkg@$version (178 MB) into $dir" >&2
  name=$(cd "$tmp" && npm pack --silent "$pkg@$version" | tail -n 1)
  tarball=$tmp/$name
fi

got=$(sha512sum "$tarball" | cut -d' ' -f1)
if [ "$got" != "$sha512" ]; then
  echo "chdb-fetch: $tarball does not match the pinned integrity $integrity (sha512 $got): not unpacked" >&2
  exit 1
fi

mkdir "$tmp/x"
tar -xzf "$tarball" -C "$tmp/x" package/libchdb.so
rm -rf "$dir/package"
mv "$tmp/x/package" "$dir/package"
echo "$integrity" > "$marker"
echo "chdb-fetch: $lib verified and unpacked" >&2
echo "$lib"
