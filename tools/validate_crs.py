#!/usr/bin/env python3
"""Validates every custom resource in YAML streams against the CRD JSON schemas in
../shared/crds/jsonschema (kubeconform layout: <group>/<kind>_<version>.json).

Objects of core API groups are skipped (kubernetes-validate checks those); a custom
resource without a schema is an error, so nothing goes unchecked.

usage: validate_crs.py SCHEMA_DIR FILE...
"""
import json
import sys
from pathlib import Path

import jsonschema
import yaml

CORE_GROUPS = {
    "", "apps", "batch", "policy", "autoscaling", "networking.k8s.io",
    "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io",
    "coordination.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io",
    "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io",
}


def main() -> int:
    schema_dir = Path(sys.argv[1])
    failures = checked = 0
    for name in sys.argv[2:]:
        with open(name, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if not doc:
                    continue
                annotations = (doc.get("metadata") or {}).get("annotations") or {}
                if annotations.get("config.kubernetes.io/local-config") == "true":
                    continue
                api_version = doc.get("apiVersion", "")
                group, _, version = api_version.rpartition("/")
                if group in CORE_GROUPS:
                    continue
                kind = doc.get("kind", "")
                ident = f"{kind}/{(doc.get('metadata') or {}).get('name')}"
                schema_path = schema_dir / group / f"{kind.lower()}_{version}.json"
                if not schema_path.is_file():
                    print(f"ERROR {name}: {ident}: no schema for {api_version} {kind} at {schema_path}")
                    failures += 1
                    continue
                schema = json.loads(schema_path.read_text(encoding="utf-8"))
                validator = jsonschema.validators.validator_for(schema)(schema)
                errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
                for e in errors:
                    path = ".".join(str(p) for p in e.path) or "(root)"
                    print(f"ERROR {name}: {ident}: {path}: {e.message}")
                failures += len(errors)
                checked += 1
                if not errors:
                    print(f"OK {name}: {ident} against {schema_path.name}")
    print(f"{checked} custom resources checked, {failures} errors")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
