# ports-gen.awk - data/ports.tsv into a C table (src/core/known.h).
# Fails the build on a malformed row rather than shipping a wrong table.
BEGIN {
	FS = "\t"
	print "/* Generated from data/ports.tsv by scripts/ports-gen.awk. Do not edit. */"
	print "#include \"core/known.h\""
	print "const struct known_port known_ports[] = {"
}
/^#/ || /^[ \t]*$/ { next }
{
	if (NF < 4 || $1 !~ /^[0-9]+$/ || $1 < 1 || $1 > 65535 ||
	    ($2 != "tcp" && $2 != "udp") || $3 == "" || $4 == "") {
		printf("data/ports.tsv:%d: malformed row\n", NR) > "/dev/stderr"
		bad = 1
		exit 1
	}
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
	print "};"
	printf("const size_t known_ports_count = %d;\n", n)
}
