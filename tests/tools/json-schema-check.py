#!/usr/bin/env python3
"""Validate recorded door --json outputs against docs/schema/, in one process.

Usage: json-schema-check.py SCHEMA_DIR RECORD_DIR VERBS [LABEL]

RECORD_DIR holds what tests/cli/lib.sh's run_door recorded when
DOOR_JSON_RECORD was set: for each --json run a file NAME (door's arguments,
NUL-separated) and NAME.out (its stdout, exactly). VERBS is door's verb list
(space-separated, from door --help). The verb of a run is found as door
finds it: the first argument when it is a verb, door ls when there is none
or it is an option, else door who (door 3000).

Prints one TAP-like line per verb seen: "ok - json schema: door VERB (N
outputs)" or "not ok - ..." with the first failures as "# " lines. An output
whose verb has no schema, or that is not JSON, fails. An output of several
JSON lines (NDJSON, as door watch streams) is validated line by line. Exits
1 when anything failed.
"""
import json
import os
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    print("not ok - json schema: python3-jsonschema is not installed "
          "(scripts/deps.sh test installs it)")
    sys.exit(1)


def load_schemas(schema_dir):
    """Every *.json of schema_dir, checked as draft 2020-12, by file URI."""
    store, bad = {}, []
    for path in sorted(pathlib.Path(schema_dir).resolve().glob("*.json")):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            jsonschema.Draft202012Validator.check_schema(schema)
        except (ValueError, jsonschema.exceptions.SchemaError) as e:
            bad.append((path.name, str(e).splitlines()[0]))
            continue
        store[path.as_uri()] = schema
    return store, bad


def validator_for(store, schema_dir, name):
    uri = (pathlib.Path(schema_dir).resolve() / (name + ".json")).as_uri()
    if uri not in store:
        return None
    resolver = jsonschema.RefResolver(base_uri=uri, referrer=store[uri],
                                      store=store)
    return jsonschema.Draft202012Validator(store[uri], resolver=resolver)


def verb_of(args, verbs):
    if not args or args[0].startswith("-"):
        return "ls"
    return args[0] if args[0] in verbs else "who"


def documents(raw):
    """The JSON value of the output, or its lines' values (NDJSON)."""
    text = raw.decode("utf-8")   # door writes UTF-8 only
    try:
        return [json.loads(text)]
    except ValueError:
        lines = [l for l in text.split("\n") if l.strip()]
        if len(lines) < 2:
            raise
        return [json.loads(l) for l in lines]


def main():
    schema_dir, record_dir, verbs = sys.argv[1], sys.argv[2], sys.argv[3].split()
    label = " (%s)" % sys.argv[4] if len(sys.argv) > 4 else ""
    store, bad = load_schemas(schema_dir)
    failed = False
    for name, why in bad:
        print("not ok - json schema: %s is not a valid draft 2020-12 schema%s"
              % (name, label))
        print("# " + why)
        failed = True
    runs = {}
    for f in sorted(os.listdir(record_dir)):
        if f.endswith(".out"):
            continue
        base = os.path.join(record_dir, f)
        try:
            with open(base, "rb") as fh:
                args = [a.decode("utf-8", "replace")
                        for a in fh.read().split(b"\0")[:-1]]
            with open(base + ".out", "rb") as fh:
                out = fh.read()
        except OSError:
            continue
        runs.setdefault(verb_of(args, verbs), []).append((f, args, out))
    for verb in sorted(runs):
        v = validator_for(store, schema_dir, verb)
        outs = runs[verb]
        if v is None:
            print("not ok - json schema: door %s --json has no schema "
                  "(docs/schema/%s.json)%s" % (verb, verb, label))
            print("# e.g. door %s" % " ".join(outs[0][1]))
            failed = True
            continue
        problems = []
        for f, args, out in outs:
            try:
                docs = documents(out)
            except ValueError as e:
                problems.append((f, args, "not JSON: %s" % e))
                continue
            for d in docs:
                errs = sorted(v.iter_errors(d), key=lambda e: list(e.path))
                if errs:
                    e = errs[0]
                    where = "/".join(str(p) for p in e.absolute_path)
                    problems.append((f, args, "at /%s: %s" % (where, e.message[:300])))
                    break
        if problems:
            failed = True
            print("not ok - json schema: door %s: %d of %d outputs do not match "
                  "docs/schema/%s.json%s" % (verb, len(problems), len(outs), verb, label))
            for f, args, why in problems[:5]:
                print("# %s: door %s" % (f, " ".join(args)))
                print("#   " + why.replace("\n", " "))
        else:
            print("ok - json schema: door %s (%d outputs)%s" % (verb, len(outs), label))
    if not runs:
        print("not ok - json schema: no --json output was recorded in %s%s"
              % (record_dir, label))
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
