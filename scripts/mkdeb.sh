#!/usr/bin/env bash
# scripts/mkdeb.sh - make deb: door_VERSION_ARCH.deb at the top of the tree,
# with Debian's own tools and no debhelper:
#   1. build door with Debian's hardening flags (dpkg-buildflags) into
#      build/deb, apart from the ./door of a plain make;
#   2. stage `make install DESTDIR=... PREFIX=/usr` (binary, man page,
#      completions, schemas; zsh's in vendor-completions as Debian's zsh
#      wants), strip the binary, compress the man page and the changelog,
#      add the copyright file;
#   3. Depends from what the binary really links (dpkg-shlibdeps), the rest
#      from debian/control (libcurl is only dlopen'd: a Recommends);
#      dpkg-gencontrol writes DEBIAN/control, then md5sums;
#   4. dpkg-deb --root-owner-group --build.
# Needs dpkg-dev (scripts/deps.sh test). Prints the path of the package.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
out=build/deb
# staged where dpkg-shlibdeps expects a package (debian/PACKAGE), as debhelper does
root=debian/door
jobs=$(nproc 2>/dev/null || echo 2)

for t in dpkg-checkbuilddeps dpkg-buildflags dpkg-shlibdeps dpkg-gencontrol dpkg-deb dpkg-parsechangelog; do
	command -v "$t" >/dev/null || { echo "mkdeb.sh: $t is missing (apt-get install dpkg-dev)" >&2; exit 3; }
done
# what debian/control says building needs (scripts/deps.sh build installs it)
dpkg-checkbuilddeps debian/control || exit 3
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null || dpkg --print-architecture)
mkversion=$(sed -n 's/^VERSION *:= *//p' Makefile)
if [ "$version" != "$mkversion" ]; then
	echo "mkdeb.sh: debian/changelog says $version, the Makefile $mkversion" >&2
	exit 2
fi

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
opt="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
make -s -j"$jobs" O=$out OPT="$opt" LDFLAGS="$ldflags" $out/door

rm -rf "$root"
make -s O=$out OPT="$opt" LDFLAGS="$ldflags" install DESTDIR="$top/$root" \
    PREFIX=/usr ZSHCOMPDIR=/usr/share/zsh/vendor-completions
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
    "$root/usr/bin/door"
gzip -9n "$root/usr/share/man/man1/door.1"
doc=$root/usr/share/doc/door
install -d "$doc"
install -m 0644 debian/copyright "$doc/copyright"
# a native package: the changelog is changelog.gz
gzip -9nc debian/changelog >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

install -d "$root/DEBIAN"
rm -f $out/substvars
dpkg-shlibdeps -T$out/substvars -e"$root/usr/bin/door"
dpkg-gencontrol -pdoor -cdebian/control -ldebian/changelog -T$out/substvars -f$out/files \
    -P"$root"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control"
find "$root" -type d -exec chmod 0755 {} +

deb=door_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
