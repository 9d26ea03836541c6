#!/usr/bin/env bash
# test.sh - door's whole test suite, as CI runs it (.ci/run).
#
# Builds door (gcc, clang, the stub platform), runs every unit test, every
# end-to-end test against real servers on loopback, replays the fuzz
# corpora, then runs the unit and end-to-end tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer. Every step prints TAP-like
# lines ("ok - ...", "not ok - ...", "skip - ... # reason"); this script
# counts them and ends with the line CI reads: "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 3
top=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
log=$(mktemp -d /tmp/door-test.XXXXXX)
passed=0
failed=0
skipped=0

# Runs one step and folds its result lines into the totals. A step that
# exits non-zero without saying "not ok" still counts as one failure, so a
# crash can never pass silently.
step() {
	local name=$1 out rc okn notn skn
	shift
	out="$log/$(echo "$name" | tr -c 'A-Za-z0-9._-' '_').log"
	"$@" >"$out" 2>&1
	rc=$?
	okn=$(grep -c '^ok - ' "$out")
	notn=$(grep -c '^not ok - ' "$out")
	skn=$(grep -c '^skip - ' "$out")
	grep -E '^(ok|not ok|skip) - ' "$out" | sed "s|^|[$name] |"
	if [ "$notn" -gt 0 ]; then
		echo "---- $name: failure details ----"
		grep -E '^(not ok - |# )' "$out" | head -80
	fi
	if [ "$rc" -ne 0 ] && [ "$notn" -eq 0 ]; then
		echo "not ok - $name exited $rc"
		tail -25 "$out" | sed 's/^/# /'
		notn=1
	fi
	passed=$((passed + okn))
	failed=$((failed + notn))
	skipped=$((skipped + skn))
}

# A build is one test: it passes when it compiles warning-free (-Werror).
build() {
	if "$@"; then echo "ok - build: $*"; else echo "not ok - build: $*"; fi
}

unit_all() {
	local dir=$1 t
	for t in "$dir"/unit/test-*; do
		[ -x "$t" ] || continue
		"$t" || echo "not ok - $(basename "$t") exited $?"
	done
}

cli_all() {
	local door=$1 t
	# every --json output is kept here, and checked by schema_all
	export DOOR_JSON_RECORD=$log/json-${2:-plain}
	mkdir -p "$DOOR_JSON_RECORD"
	for t in tests/cli/test-*.sh; do
		[ -f "$t" ] || continue
		echo "# $t"
		DOOR=$door timeout 600 bash "$t" ||
		    echo "not ok - $t exited $?"
	done
}

# Every --json output the end-to-end tests recorded, against docs/schema/:
# one line per verb, in one python3 process.
schema_all() {
	local door=$1 verbs
	verbs=$("$door" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
	local py=${DOOR_PY:-/usr/bin/python3}
	[ -x "$py" ] || py=python3
	"$py" tests/tools/json-schema-check.py docs/schema \
	    "$log/json-$2" "$verbs" "$2"
}

echo "door test suite: $(date -u +%FT%TZ) on $(uname -r), $jobs cores"
step deps scripts/deps.sh test
step build build make -j"$jobs" door unit
step clang build make -j"$jobs" clang
step stub build make -j"$jobs" stub
step unit unit_all build/release
step npm bash tests/cli/npm-packages.sh
step cli cli_all "$top/door" plain
step schema schema_all "$top/door" plain
step fuzz-replay make -s fuzz-replay
step asan-build build make -j"$jobs" asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
step asan-unit unit_all build/asan
step asan-cli cli_all "$top/build/asan/door" asan
step asan-schema schema_all "$top/build/asan/door" asan

echo "logs: $log"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
