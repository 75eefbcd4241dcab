#!/usr/bin/env python3
"""`kubernetes-validate` for thousands of objects in one process (the property tests'
sample): the same command line and the same checks (its own validate()), but each schema
file is read and parsed once instead of once per object, and the YAML is read by
libyaml's safe loader (PyYAML's C binding, the same YAML) instead of the pure-Python one:
together most of its time.

usage: kubernetes_validate_batch.py --strict -k 1.30.0 FILE...
"""
import functools
import sys

import yaml

import kubernetes_validate.utils as utils
from kubernetes_validate.__main__ import main

# schema_contents(filename, version) returns the parsed JSON; validate() only reads it.
utils.schema_contents = functools.lru_cache(maxsize=None)(utils.schema_contents)
# resources_from_file() reads with yaml.SafeLoader (and registers its one constructor on it).
yaml.SafeLoader = yaml.CSafeLoader

if __name__ == "__main__":
    sys.exit(main())
