#!/usr/bin/env bash
# scripts/mkroot.sh - a minimal Debian 12 root to try door on, as a new
# machine would be (debootstrap --variant=minbase bookworm), and a way in.
#
#   mkroot.sh create DIR    make DIR a fresh minimal bookworm root
#   mkroot.sh enter DIR CMD...
#                           run CMD as root inside it, with /proc, /sys, /dev
#                           and a fresh /run mounted, a clean environment
#                           (env -i, a plain PATH) and the host's resolv.conf;
#                           everything is unmounted again when CMD ends
#   mkroot.sh destroy DIR   unmount whatever is left and remove DIR
#   mkroot.sh mirror        print the Debian mirror it would use
#
# The mirror is the one this machine's apt uses for bookworm (deb822
# .sources files or sources.list), so a machine behind a local mirror
# builds its root from it. DOOR_MIRROR overrides it.
#
# The root gets this machine's local CA certificates
# (/usr/local/share/ca-certificates) and, while entered, its resolv.conf:
# what any machine on this network is given; nothing else is copied.
#
# debootstrap's download is kept as a tarball in DOOR_ROOT_CACHE
# (/var/cache/door/roots): creating a second root unpacks the same packages
# debootstrap would fetch again, so it is exactly as fresh. Delete the cache
# to fetch anew. Needs root; installs debootstrap when it is missing.
set -eu

cache=${DOOR_ROOT_CACHE:-/var/cache/door/roots}
suite=bookworm
plain_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "mkroot.sh: $*" >&2; exit 1; }

# The first Debian archive (not security, not a third party) apt knows for
# bookworm's main component.
mirror() {
	if [ -n "${DOOR_MIRROR:-}" ]; then
		echo "$DOOR_MIRROR"
		return
	fi
	local f m=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		# deb822: paragraphs of "Key: value"; URIs may list several
		m=$(awk -v suite="$suite" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && suites ~ ("(^| )" suite "( |$)") &&
				    comps ~ /(^| )main( |$)/ && uris != "" && found == "") {
					split(uris, u, " "); found = u[1]
				}
				types = suites = comps = uris = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
			/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
			/^Components:/ { sub(/^Components:[ \t]*/, ""); comps = $0 }
			/^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
			END { flush(); print found }' "$f")
		[ -n "$m" ] && break
	done
	if [ -z "$m" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -r "$f" ] || continue
			m=$(awk -v suite="$suite" '
				$1 == "deb" {
					i = 2
					if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
					if ($(i + 1) == suite) { print $i; exit }
				}' "$f")
			[ -n "$m" ] && break
		done
	fi
	echo "${m:-http://deb.debian.org/debian}"
}

need_root() {
	[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
}

create() {
	local dir=$1 m tarball
	need_root
	[ ! -e "$dir" ] || [ -z "$(ls -A "$dir" 2>/dev/null)" ] ||
	    die "$dir exists and is not empty (mkroot.sh destroy $dir first)"
	if ! command -v debootstrap >/dev/null; then
		echo "mkroot.sh: installing debootstrap" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2 ||
		    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive \
		      apt-get install -y -q debootstrap >&2; } ||
		    die "could not install debootstrap"
	fi
	m=$(mirror)
	mkdir -p "$cache" "$dir"
	tarball="$cache/$suite-minbase-amd64.tgz"
	if [ ! -s "$tarball" ]; then
		echo "mkroot.sh: fetching $suite (minbase) from $m into $tarball" >&2
		debootstrap --variant=minbase --make-tarball="$tarball.tmp" \
		    "$suite" "$dir.fetch" "$m" >"$dir.log" 2>&1 ||
		    { tail -20 "$dir.log" >&2; rm -rf "$dir.fetch" "$tarball.tmp";
		      die "debootstrap could not fetch $suite from $m (log: $dir.log)"; }
		rm -rf "$dir.fetch"
		mv "$tarball.tmp" "$tarball"
	fi
	echo "mkroot.sh: making $dir ($suite minbase, mirror $m)" >&2
	debootstrap --variant=minbase --unpack-tarball="$tarball" \
	    "$suite" "$dir" "$m" >"$dir.log" 2>&1 ||
	    { tail -20 "$dir.log" >&2; die "debootstrap failed in $dir (log: $dir.log)"; }
	rm -f "$dir.log"
	# debootstrap writes the mirror it was given; say it in deb822 as a new
	# bookworm does, with updates and security as a new machine has them
	rm -f "$dir/etc/apt/sources.list"
	cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $m
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	# The trust a machine on this network needs: the CA certificates its
	# admin added (a network whose proxy re-signs TLS, as this workplace's
	# does, has its CA here). Debian's ca-certificates, once installed in
	# the root, adds them to the system store that apt, curl and Debian's
	# Node.js read; without them npm's registry fails with
	# SELF_SIGNED_CERT_IN_CHAIN. Nothing else of this machine is copied.
	if [ -d /usr/local/share/ca-certificates ]; then
		mkdir -p "$dir/usr/local/share/ca-certificates"
		cp -a /usr/local/share/ca-certificates/. \
		    "$dir/usr/local/share/ca-certificates/" 2>/dev/null || true
	fi
	echo "mkroot.sh: $dir is ready" >&2
}

# Mount points made by enter, innermost last, to unmount in reverse.
mounted=()

unmount_all() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[$i]}" 2>/dev/null || true
	done
	mounted=()
}

bind() { # SRC DST [type]
	mkdir -p "$2"
	if [ "${3:-}" = "" ]; then
		mount --rbind "$1" "$2" && mount --make-rslave "$2"
	else
		mount -t "$3" "$1" "$2"
	fi
	mounted+=("$2")
}

enter() {
	local dir=$1 rc
	shift
	need_root
	[ -x "$dir/bin/bash" ] || die "$dir is not a root made by mkroot.sh create"
	trap unmount_all EXIT
	trap 'exit 130' INT TERM HUP
	bind proc "$dir/proc" proc
	bind /sys "$dir/sys"
	bind /dev "$dir/dev"
	# a new machine's /run is an empty tmpfs (ip netns keeps /run/netns there)
	bind tmpfs "$dir/run" tmpfs
	mkdir -p "$dir/run/lock" "$dir/run/user"
	chmod 1777 "$dir/run/lock" 2>/dev/null || true
	cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
	set +e
	chroot "$dir" /usr/bin/env -i PATH="$plain_path" HOME=/root \
	    LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
	rc=$?
	set -e
	unmount_all
	trap - EXIT
	return $rc
}

destroy() {
	local dir=$1 m
	need_root
	[ -d "$dir" ] || return 0
	# anything still mounted below it (a crashed enter), deepest first
	for m in $(awk -v d="$(cd "$dir" && pwd)" 'index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$dir"
}

case ${1:-} in
	create) [ $# = 2 ] || die "usage: mkroot.sh create DIR"; create "$2" ;;
	enter) [ $# -ge 3 ] || die "usage: mkroot.sh enter DIR CMD..."; dir=$2; shift 2; enter "$dir" "$@" ;;
	destroy) [ $# = 2 ] || die "usage: mkroot.sh destroy DIR"; destroy "$2" ;;
	mirror) mirror ;;
	-h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' ;;
	*) die "usage: mkroot.sh create|enter|destroy|mirror (see --help)" ;;
esac
