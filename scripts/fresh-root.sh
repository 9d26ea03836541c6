#!/usr/bin/env bash
# scripts/fresh-root.sh - the README's promise, checked as a new user meets
# it: a minimal Debian 12 root (debootstrap --variant=minbase bookworm, the
# mirror taken from this machine's apt sources), a clean clone of this
# repository's HEAD, then the two Quick start commands as root inside it
# (chroot, env -i, a plain PATH):
#
#   scripts/deps.sh && make && ./door
#   scripts/test.sh
#
# Usage: scripts/fresh-root.sh [--dir DIR] [--keep] [--quick]
#   --dir DIR  where the root goes (default /var/tmp/door-fresh-root; any
#              old one there is removed first)
#   --keep     keep the root afterwards (enter it with
#              scripts/mkroot.sh enter DIR bash)
#   --quick    only the first command (build and run door)
#
# Only committed work is cloned: uncommitted changes are not in the test.
# Prints each command's last lines and ends with the test suite's own
# "N passed, N failed"; exits 0 only when both commands passed.
# Needs root; takes about as long as the suite itself plus the installs
# (15-30 minutes on 2 cores). Logs stay in DIR-logs/.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
dir=/var/tmp/door-fresh-root
keep=0
quick=0
while [ $# -gt 0 ]; do
	case $1 in
		--dir) dir=${2:?--dir needs a directory}; shift ;;
		--keep) keep=1 ;;
		--quick) quick=1 ;;
		-h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
		*) echo "fresh-root.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "fresh-root.sh: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v git >/dev/null || { echo "fresh-root.sh: needs git to clone the repository" >&2; exit 2; }
mkroot=$top/scripts/mkroot.sh
logs=$dir-logs
mkdir -p "$logs"

if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
	echo "fresh-root.sh: note: uncommitted changes are not tested (only HEAD is cloned)" >&2
fi

"$mkroot" destroy "$dir"
"$mkroot" create "$dir" || exit 3
git clone -q --no-hardlinks "$top" "$dir/root/door" || exit 3
echo "fresh-root.sh: $(git -C "$dir/root/door" log --oneline -1) in $dir/root/door"

cleanup() {
	if [ "$keep" = 1 ]; then
		echo "fresh-root.sh: kept $dir (scripts/mkroot.sh enter $dir bash; scripts/mkroot.sh destroy $dir)"
	else
		"$mkroot" destroy "$dir"
	fi
}
trap cleanup EXIT

t0=$(date +%s)
"$mkroot" enter "$dir" bash -c 'cd /root/door && scripts/deps.sh && make && ./door' \
    >"$logs/quick-start-1.log" 2>&1
rc1=$?
echo "== 1: scripts/deps.sh && make && ./door  (exit $rc1, $(($(date +%s) - t0)) s)"
tail -n 8 "$logs/quick-start-1.log"
if [ "$rc1" != 0 ] || [ "$quick" = 1 ]; then
	exit "$rc1"
fi

t0=$(date +%s)
"$mkroot" enter "$dir" bash -c 'cd /root/door && scripts/test.sh' \
    >"$logs/quick-start-2.log" 2>&1
rc2=$?
echo "== 2: scripts/test.sh  (exit $rc2, $(($(date +%s) - t0)) s; log: $logs/quick-start-2.log)"
grep -E '^\[[^]]*\] (not ok|skip) - ' "$logs/quick-start-2.log" | head -n 60
# the suite's per-step logs live inside the root: keep them with ours
inner=$(sed -n 's/^logs: \(\/tmp\/door-test\.[A-Za-z0-9]*\)$/\1/p' "$logs/quick-start-2.log" | tail -1)
if [ -n "$inner" ] && [ -d "$dir$inner" ]; then
	rm -rf "$logs/suite"
	cp -a "$dir$inner" "$logs/suite" && echo "fresh-root.sh: the suite's step logs: $logs/suite"
fi
tail -n 2 "$logs/quick-start-2.log"
exit "$rc2"
