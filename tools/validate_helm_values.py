#!/usr/bin/env python3
"""Validates the values of every HelmRelease in YAML streams against the chart's
values.schema.json (../shared/reference/loki-chart/values.schema.json), as Helm does
before it renders. A stream without a HelmRelease is an error: nothing goes unchecked.

usage: validate_helm_values.py SCHEMA FILE...
"""
import json
import sys

import jsonschema
import yaml


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    failures = checked = 0
    for name in sys.argv[2:]:
        with open(name, encoding="utf-8") as f:
            releases = [d for d in yaml.safe_load_all(f) if d and d.get("kind") == "HelmRelease"]
        if not releases:
            print(f"ERROR {name}: no HelmRelease")
            failures += 1
        for r in releases:
            values = r["spec"]["values"]
            errors = sorted(validator.iter_errors(values), key=lambda e: list(e.path))
            for e in errors:
                path = ".".join(str(p) for p in e.path) or "(root)"
                print(f"ERROR {name}: HelmRelease/{r['metadata']['name']}: values.{path}: {e.message}")
            failures += len(errors)
            checked += 1
            if not errors:
                print(f"OK {name}: HelmRelease/{r['metadata']['name']} values ({len(values)} keys)")
    print(f"{checked} HelmRelease values checked, {failures} errors")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
