# ports-gen.awk - data/ports.tsv into a C table (src/core/known.h).
# Fails the build on a malformed row rather than shipping a wrong table:
# five tab-separated fields at most, a port in 1-65535, tcp or udp, a name
# that is an id (door known NAME looks it up), no row given twice.
BEGIN {
	FS = "\t"
	print "/* Generated from data/ports.tsv by scripts/ports-gen.awk. Do not edit. */"
	print "#include \"core/known.h\""
	print "const struct known_port known_ports[] = {"
}
function bad_row(why) {
	printf("data/ports.tsv:%d: malformed row: %s\n", NR, why) > "/dev/stderr"
	bad = 1
	exit 1
}
/^#/ || /^[ \t]*$/ { next }
{
	if (NF < 4 || NF > 5)
		bad_row("want port, proto, name, usually and an optional note, " \
		    "separated by tabs")
	if ($1 !~ /^[0-9]+$/ || $1 + 0 < 1 || $1 + 0 > 65535)
		bad_row("port '" $1 "' is not in 1-65535")
	if ($2 != "tcp" && $2 != "udp")
		bad_row("proto '" $2 "' is not tcp or udp")
	if ($3 !~ /^[a-z0-9][a-z0-9_-]*$/)
		bad_row("name '" $3 "' is not an id (a-z, 0-9, '-', '_')")
	if ($4 == "" || $4 ~ /^ / || $4 ~ / $/ || $5 ~ /^ / || $5 ~ / $/)
		bad_row("usually is empty, or a field has spaces at an end")
	key = ($1 + 0) "/" $2 "/" $3
	if (key in seen)
		bad_row("repeats line " seen[key] " (" key ")")
	seen[key] = NR
	for (i = 3; i <= 5; i++) {
		gsub(/\\/, "\\\\", $i)
		gsub(/"/, "\\\"", $i)
	}
	printf("\t{ %d, %s, \"%s\", \"%s\", \"%s\" },\n", $1,
	    ($2 == "tcp" ? "PROTO_TCP" : "PROTO_UDP"), $3, $4, $5)
	n++
}
END {
	if (bad)
		exit 1
	if (n == 0) {
		print "data/ports.tsv: no rows" > "/dev/stderr"
		exit 1
	}
	print "};"
	printf("const size_t known_ports_count = %d;\n", n)
}
