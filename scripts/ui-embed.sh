#!/bin/sh
# ui-embed.sh FILE... - door ui's page (src/ui/page/: HTML, CSS, JavaScript,
# an icon) into a C table, at build time: the binary serves these bytes and
# needs nothing beside it. POSIX sh and od (coreutils); no xxd.
#
# Each file becomes { "/NAME", "type", bytes, length }; index.html is also
# "/". The content type is the file's extension's; an unknown extension
# fails the build rather than serving a file the browser would sniff.
set -eu

echo "/* Generated from src/ui/page/ by scripts/ui-embed.sh. Do not edit. */"
echo "#include <stddef.h>"
echo "#include \"ui/page.h\""
n=0
for f in "$@"; do
	name=${f##*/}
	case $name in
	*.html) type="text/html; charset=utf-8" ;;
	*.css) type="text/css; charset=utf-8" ;;
	*.js) type="text/javascript; charset=utf-8" ;;
	*.svg) type="image/svg+xml" ;;
	*)
		echo "ui-embed.sh: $f: no content type for this extension" >&2
		exit 1
		;;
	esac
	case $name in
	*[!A-Za-z0-9._-]*)
		echo "ui-embed.sh: $f: a page file name is letters, digits, '.', '-', '_'" >&2
		exit 1
		;;
	esac
	echo "static const unsigned char f$n[] = {"
	od -An -v -tx1 "$f" | awk '{ s = ""; for (i = 1; i <= NF; i++) s = s "0x" $i ","; print "\t" s }'
	echo "	0 };"
	eval "name_$n=\$name type_$n=\$type"
	n=$((n + 1))
done
echo "const struct ui_page_file ui_page_files[] = {"
i=0
while [ "$i" -lt "$n" ]; do
	eval "name=\$name_$i type=\$type_$i"
	echo "	{ \"/$name\", \"$type\", f$i, sizeof f$i - 1 },"
	i=$((i + 1))
done
echo "	{ NULL, NULL, NULL, 0 },"
echo "};"
