#!/usr/bin/env bash
# make deb: door_VERSION_ARCH.deb, with Depends from what the binary links,
# libcurl as Recommends, the man page, completions, schemas, copyright and
# changelog; lintian reports no error; apt-get installs it into a clean
# minimal Debian 12 root (scripts/mkroot.sh, from its cached tarball), door
# --version and door ls run there, and apt-get remove leaves none of its
# files. A root that cannot reach the mirror (apt-get fetches the Depends)
# is a named skip; the times of each stage are printed as diagnostics.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/servers.sh"

need_door
# The package is built from the tree (scripts/mkdeb.sh), not from $DOOR: the
# ASan pass of the suite would build and install the very same package.
case $DOOR in
	*/build/asan/*)
		skip "make deb" "the package is built from the tree, not from \$DOOR: the plain pass tests it"
		finish
		;;
esac
for t in dpkg-deb dpkg-shlibdeps lintian; do
	command -v "$t" >/dev/null || { fail "$t is installed" "scripts/deps.sh test installs dpkg-dev and lintian"; finish; }
done
version=$(sed -n 's/^VERSION *:= *//p' "$REPO_ROOT/Makefile")
arch=$(dpkg --print-architecture)
deb=$REPO_ROOT/door_${version}_${arch}.deb
rm -f "$deb"
out=$(cd "$REPO_ROOT" && timeout 600 make -s deb 2>&1)
check_eq "make deb exits 0" 0 "$?" || diag "$out"
check_eq "make deb builds door_${version}_${arch}.deb and says so" "door_${version}_${arch}.deb" "$(printf '%s\n' "$out" | tail -1)"
[ -s "$deb" ] || { fail "the package exists" "no $deb"; finish; }
tmp=$(mk_tmpdir deb)
cp "$deb" "$tmp/"
deb=$tmp/$(basename "$deb")

# ---- Build-Depends: what scripts/deps.sh build installs, no more, no less
bd=$(awk '/^[^ \t]/ {on = ($1 == "Build-Depends:")} on {sub(/^Build-Depends:/, ""); print}' \
    "$REPO_ROOT/debian/control" | tr ',' '\n' | sed -e 's/[[(].*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' |
    grep -v '^$' | sort -u)
db=$("$REPO_ROOT/scripts/deps.sh" build --list | sort -u)
check_eq "debian/control's Build-Depends are scripts/deps.sh build's packages" "$db" "$bd"

# ---- control: Depends from the binary's NEEDED libraries
field() { dpkg-deb -f "$deb" "$1"; }
check_eq "Package: door" door "$(field Package)"
check_eq "Version: $version" "$version" "$(field Version)"
depends=$(field Depends)
diag "Depends: $depends" "Recommends: $(field Recommends)"
dpkg-deb -x "$deb" "$tmp/x"
needed=$(objdump -p "$tmp/x/usr/bin/door" | awk '$1 == "NEEDED" {print $2}')
[ -n "$needed" ] || fail "the binary names its libraries (NEEDED)"
for so in $needed; do
	path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64|x86_64|64bit/ {print $NF; exit}')
	[ -n "$path" ] || path=$(ldconfig -p | awk -v so="$so" '$1 == so {print $NF; exit}')
	# dpkg knows a file by the path its package ships (/lib or /usr/lib)
	pkg=$(for p in "$path" "$(readlink -f "$path")"; do dpkg -S "$p" 2>/dev/null; done | head -1 | cut -d: -f1)
	if [ -z "$pkg" ]; then
		fail "the package of $so is known" "dpkg -S $path found nothing"
		continue
	fi
	check_match "Depends names $pkg (door links $so)" "(^|, )$pkg( |,|$)" "$depends"
done
check_match "Depends names libmnl0" '(^|, )libmnl0( |,|$)' "$depends"
check_nomatch "Depends does not name libcurl (it is dlopen'd)" 'libcurl' "$depends"
check_match "Recommends names libcurl4 (door url loads libcurl.so.4)" '(^|, )libcurl4( |,|$)' "$(field Recommends)"
check_eq "the binary does not link libcurl" "" "$(printf '%s\n' "$needed" | grep libcurl)"

# ---- contents
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
nl=$'\n'
for f in /usr/bin/door /usr/share/man/man1/door.1.gz /usr/share/doc/door/copyright \
    /usr/share/doc/door/changelog.gz /usr/share/bash-completion/completions/door \
    /usr/share/zsh/vendor-completions/_door /usr/share/fish/vendor_completions.d/door.fish; do
	check_match "the package has $f" "(^|$nl)$f($nl|\$)" "$files"
done
for s in "$REPO_ROOT"/docs/schema/*.json; do
	f=/usr/share/door/schema/$(basename "$s")
	check_match "the package has $f" "(^|$nl)$f($nl|\$)" "$files"
done
check_eq "the packaged man page is door.1" "$(cat "$REPO_ROOT/door.1")" "$(zcat "$tmp/x/usr/share/man/man1/door.1.gz")"
check "the packaged binary is stripped" sh -c "! objdump -h '$tmp/x/usr/bin/door' | grep -q '\\.debug_info'"
check_eq "the packaged completions are door's" "$("$tmp/x/usr/bin/door" completions fish)" "$(cat "$tmp/x/usr/share/fish/vendor_completions.d/door.fish")"

# ---- lintian
lint=$(lintian "$deb" 2>&1 | grep -v 'running with root privileges')
diag "lintian:" "${lint:-(nothing to say)}"
check_eq "lintian reports no error" "" "$(printf '%s\n' "$lint" | grep '^E: ')"

# ---- apt-get install into a clean minimal Debian 12 root
# The root comes from mkroot.sh's cached tarball (debootstrap fetches only
# the first time); apt-get inside it needs the mirror for door's Depends.
mkroot=$REPO_ROOT/scripts/mkroot.sh
if [ "$(id -u)" != 0 ]; then
	skip "install into a clean root" "needs root (debootstrap, chroot)"
	finish
fi
mirror=$("$mkroot" mirror)
cache=${DOOR_ROOT_CACHE:-/var/cache/door/roots}
# the words apt and debootstrap use when the mirror cannot be reached;
# why_unreachable picks the line that says why (not apt's "Err:1 URL")
why_unreachable() {
	local l
	l=$(grep -E "$unreachable" <<<"$1" | grep -vE '^(Err:|W: Failed to fetch)' | head -1)
	[ -n "$l" ] || l=$(grep -E "$unreachable" <<<"$1" | head -1)
	printf '%s' "${l#"${l%%[! ]*}"}"
}
unreachable='Could not resolve|Temporary failure resolving|Could not connect|Unable to connect|Connection (failed|timed out|refused)|Network is unreachable|No route to host|could not fetch|Failed to fetch|Err:[0-9]'
root=$(mk_tmpdir root)
on_exit_run "$mkroot" destroy "$root"
cached=fetched
[ -s "$cache/bookworm-minbase-amd64.tgz" ] && cached="unpacked from the cached $cache/bookworm-minbase-amd64.tgz"
t0=$SECONDS
if ! out=$(timeout 900 "$mkroot" create "$root" 2>&1); then
	if [[ $cached == fetched && $out =~ $unreachable ]]; then
		skip "install into a clean root" "no cached root and the mirror $mirror cannot be reached: $(why_unreachable "$out")"
		finish
	fi
	fail "a clean Debian 12 root is made (scripts/mkroot.sh create)" "$(printf '%s\n' "$out" | tail -20)"
	finish
fi
pass "a clean Debian 12 root is made (scripts/mkroot.sh create)"
diag "the root: $((SECONDS - t0))s ($cached)"
check "the clean root has no door" sh -c "! test -e '$root/usr/bin/door'"
cp "$deb" "$root/tmp/"
in_root() { timeout 600 "$mkroot" enter "$root" "$@"; }
t0=$SECONDS
out=$(in_root apt-get update -q 2>&1)
rc=$?
if [ "$rc" != 0 ] || [[ $out =~ $unreachable ]]; then
	if [[ $out =~ $unreachable ]]; then
		skip "apt-get install ./door_${version}_${arch}.deb in a clean root" "the root cannot reach the mirror $mirror (apt-get update: $(why_unreachable "$out"))"
		finish
	fi
	fail "apt-get update in the clean root exits 0" "exit $rc" "$(printf '%s\n' "$out" | tail -20)"
	finish
fi
diag "apt-get update in the root: $((SECONDS - t0))s (mirror $mirror)"
# the skip above knows apt's words for a mirror it cannot reach: a closed
# port on loopback, with lists of its own so the real ones stay
closed=$(free_port) && mkdir -p "$root/tmp/nolists/partial" && printf 'deb http://127.0.0.1:%s/debian bookworm main\n' "$closed" >"$root/tmp/nomirror.list"
out=$(in_root apt-get update -q -o Dir::Etc::sourcelist=/tmp/nomirror.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=/tmp/nolists 2>&1)
check_match "an unreachable mirror is recognised (the skip's words are apt's)" "$unreachable" "$out"
# without Recommends first: what libcurl4 adds is checked after
t0=$SECONDS
out=$(in_root sh -c 'cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ./'"$(basename "$deb")" 2>&1)
check_eq "apt-get install ./door_${version}_${arch}.deb exits 0" 0 "$?" || diag "$(printf '%s\n' "$out" | tail -30)"
diag "apt-get install: $((SECONDS - t0))s"
installed() { [[ $(in_root dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == ii* ]]; }
for p in $(printf '%s\n' "$depends" | tr ',' '\n' | sed -e 's/[(|].*//' -e 's/[[:space:]]//g' | grep -v '^libc6$'); do
	check "apt-get pulled $p in (Depends)" installed "$p"
done
check "libcurl4 is not installed (a Recommends, left out here)" sh -c "! ls '$root'/var/lib/dpkg/info/libcurl4:*.list >/dev/null 2>&1"
out=$(in_root door --version 2>&1)
check_eq "door --version runs in the clean root" "door $version" "$out"
out=$(in_root door ls 2>&1)
rc=$?
if [ "$rc" = 0 ] || [ "$rc" = 1 ]; then pass "door ls runs in the clean root (exit $rc)"; else fail "door ls runs in the clean root" "exit $rc" "$out"; fi
check_match "door ls there lists this machine's doors (one network namespace)" '^ *PORT +PROTO +ADDRESS' "$out"
out=$(in_root door completions bash 2>&1)
check_match "door completions bash runs there" 'complete -F _door door' "$out"
hp=$(free_port) && start_http_server "$hp" >/dev/null || fail "http.server on $hp"
out=$(in_root door url "http://localhost:$hp/" 2>&1)
check_match "without libcurl4, door url says what is missing" 'libcurl is not installed \(Debian: apt-get install libcurl4\)' "$out"
out=$(in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q libcurl4' 2>&1)
check_eq "the Recommends installs (apt-get install libcurl4)" 0 "$?" || diag "$(printf '%s\n' "$out" | tail -20)"
out=$(in_root door url "http://localhost:$hp/" 2>&1)
check_match "with libcurl4, door url loads the page" 'HTTP 200' "$out"

# ---- apt-get remove door (README's way out): nothing is left, and with
# no config files there is nothing for a purge either
left_of() {
	local f l=
	for f in $files; do
		case $f in */) continue ;; esac
		if [ -e "$root$f" ] || [ -L "$root$f" ]; then l="$l $f"; fi
	done
	for f in /usr/share/door /usr/share/doc/door; do
		[ -e "$root$f" ] && l="$l $f"
	done
	printf '%s' "${l# }"
}
out=$(in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -q door' 2>&1)
check_eq "apt-get remove door exits 0" 0 "$?" || diag "$(printf '%s\n' "$out" | tail -20)"
check_eq "no file of the package is left after apt-get remove" "" "$(left_of)"
out=$(in_root dpkg-query -W -f='${db:Status-Abbrev}' door 2>&1)
check_nomatch "dpkg no longer knows door as installed" '^ii' "$out"
check_nomatch "dpkg keeps nothing of door (no config files: no purge needed)" '^(ii|rc)' "$out"
check "dpkg's own records of door are gone" sh -c "! ls '$root'/var/lib/dpkg/info/door.* >/dev/null 2>&1"

finish
