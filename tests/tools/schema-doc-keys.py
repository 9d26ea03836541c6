#!/usr/bin/env python3
"""The JSON keys door(1) documents for each verb, and those of its schema.

Usage: schema-doc-keys.py DOOR_1 SCHEMA_DIR VERBS

Prints, for each verb of VERBS (space-separated), one line
    VERB<TAB>DOC_KEYS<TAB>SCHEMA_KEYS
with each key list sorted and comma-separated; "-" for a list that does not
exist (no part of door(1)'s JSON OUTPUT for the verb, no
docs/schema/VERB.json).

door(1)'s JSON OUTPUT section is read as groff: a verb's part starts at a
".B door VERB [\\-\\-json]" line that opens a paragraph (after .PP or .TP,
or "and" for a second verb sharing the part, as door who shares door ls's),
and its keys are the words set in bold there (.B, and the bold arguments
of .BR/.RB/.BI/.IB) that look like keys: lower case, digits, '_'.

A schema's keys are every property name in the file, at any depth; a $ref
to another file is not followed (door explain's sockets are door ls's
objects, documented there), except a schema that is only such a $ref (door
who is door ls), whose keys are that file's.
"""
import json
import os
import re
import sys

KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def groff_args(rest):
    """The arguments of a macro line: words, or "quoted strings"."""
    args, i = [], 0
    while i < len(rest):
        if rest[i] == " ":
            i += 1
            continue
        if rest[i] == '"':
            j, a = i + 1, ""
            while j < len(rest):
                if rest[j] == '"':
                    if j + 1 < len(rest) and rest[j + 1] == '"':
                        a += '"'
                        j += 2
                        continue
                    break
                a += rest[j]
                j += 1
            args.append(a)
            i = j + 1
        else:
            j = rest.find(" ", i)
            j = len(rest) if j < 0 else j
            args.append(rest[i:j])
            i = j
    return args


def plain(s):
    """Groff escapes undone enough to tell a key: \\- is -, \\fX goes."""
    s = re.sub(r"\\f[BIRP]", "", s)
    return s.replace("\\-", "-").replace("\\&", "")


def bold_words(line):
    m = re.match(r"^\.(B|BR|RB|BI|IB)(?: (.*))?$", line)
    if not m:
        return []
    macro, args = m.group(1), groff_args(m.group(2) or "")
    if macro == "B":
        return [" ".join(args)]
    first_bold = 0 if macro in ("BR", "BI") else 1
    return [a for k, a in enumerate(args) if k % 2 == first_bold]


def doc_keys(man_text, verbs):
    m = re.search(r"^\.SH JSON OUTPUT\n(.*?)^\.SH ", man_text, re.S | re.M)
    if not m:
        return {}
    lines = m.group(1).split("\n")
    keys, current = {}, []
    for i, line in enumerate(lines):
        start = re.match(r"^\.B door ([a-z]+)(?: \\-\\-json)?$", line)
        prev = lines[i - 1] if i > 0 else ".PP"
        if start:
            v = start.group(1)
            if prev == "and" and current:
                current.append(v)
                keys.setdefault(v, set())
                continue
            if prev in (".PP", ".TP", ".LP", ".P"):
                current = [v]
                keys.setdefault(v, set())
                continue
        for w in bold_words(line):
            w = plain(w)
            if KEY.match(w):
                for v in current:
                    keys[v].add(w)
    return keys


def walk(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "properties" and isinstance(v, dict):
                out.update(v.keys())
            walk(v, out)
    elif isinstance(node, list):
        for v in node:
            walk(v, out)


def schema_keys(schema_dir, verb, depth=0):
    path = os.path.join(schema_dir, verb + ".json")
    if not os.path.exists(path) or depth > 4:
        return None
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.endswith(".json") and "properties" not in schema:
        return schema_keys(schema_dir, ref[:-len(".json")], depth + 1)
    out = set()
    walk(schema, out)
    return out


def main():
    man, schema_dir, verbs = sys.argv[1], sys.argv[2], sys.argv[3].split()
    with open(man, encoding="utf-8") as f:
        docs = doc_keys(f.read(), verbs)
    for v in verbs:
        d = docs.get(v)
        s = schema_keys(schema_dir, v)
        print("%s\t%s\t%s" % (v, "-" if d is None else ",".join(sorted(d)),
                              "-" if s is None else ",".join(sorted(s))))


if __name__ == "__main__":
    main()
