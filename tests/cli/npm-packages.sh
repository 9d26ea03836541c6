#!/usr/bin/env bash
# tests/cli/npm-packages.sh - the npm packages the end-to-end tests run for
# real (Express, a Vite dev server), installed from the npm registry into a
# cache folder the tests own: build/test-npm/ (DOOR_TEST_NPM overrides it).
#
# Idempotent: when the pinned versions are already there it touches neither
# the network nor npm. Prints one result line for scripts/test.sh:
#   ok - npm packages: ...                    installed (or already there)
#   skip - npm packages # <npm's own error>   npm or the registry failed
# and on failure leaves npm's error in DIR/error.txt, which the tests that
# need the packages name in their skip (tests/cli/test-probe.sh, npm_dir).
# Exit status 0 either way unless the folder itself cannot be made (3).
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=${DOOR_TEST_NPM:-$here/../../build/test-npm}
# Pinned: the same servers on every machine; both run on Debian 12's
# Node.js 18 and on newer ones (vite 5 wants ^18 || >=20).
pkgs="express@4.21.2 vite@5.4.21"

mkdir -p "$dir" || { echo "not ok - npm packages: cannot make $dir"; exit 3; }
dir=$(cd "$dir" && pwd)

have() { # NAME VERSION: installed at exactly that version
	local v
	v=$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' \
	    "$dir/node_modules/$1/package.json" 2>/dev/null | head -1)
	[ "$v" = "$2" ]
}

all_there() {
	local p
	for p in $pkgs; do
		have "${p%@*}" "${p##*@}" || return 1
	done
}

# one installer at a time (two test runs on one checkout)
exec 9>"$dir/.lock"
flock -w 600 9 || { echo "skip - npm packages # another install held $dir/.lock for 10 minutes"; exit 0; }

if all_there; then
	rm -f "$dir/error.txt"
	echo "ok - npm packages: $pkgs (already in $dir)"
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "npm is not installed (scripts/deps.sh test installs it)" >"$dir/error.txt"
	echo "skip - npm packages # $(cat "$dir/error.txt")"
	exit 0
fi
[ -f "$dir/package.json" ] || echo '{ "name": "door-test-servers", "private": true }' >"$dir/package.json"
if (cd "$dir" && timeout 300 npm install --no-audit --no-fund --no-save \
    --loglevel=error $pkgs) >"$dir/npm.log" 2>&1 && all_there; then
	rm -f "$dir/error.txt"
	echo "ok - npm packages: $pkgs installed into $dir"
	exit 0
fi
# npm's own words: its "npm ERR!" / "npm error" lines, else the log's end
{
	printf 'npm install %s failed: ' "$pkgs"
	grep -m 3 -E '^npm (ERR!|error)' "$dir/npm.log" | sed 's/^npm \(ERR!\|error\) *//' |
	    tr '\n' ' ' | grep . || tail -3 "$dir/npm.log" | tr '\n' ' '
	echo
} >"$dir/error.txt"
echo "skip - npm packages # $(head -c 400 "$dir/error.txt" | tr -d '\r\n')"
exit 0
