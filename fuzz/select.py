#!/usr/bin/env python3
"""Keeps the MAX inputs of a corpus that reached the most code: reads the control file of
a libFuzzer merge (-merge_control_file; per input, the features it added over the inputs
merged before it) and copies the inputs with the largest additions to OUT.

usage: select.py CONTROL_FILE OUT_DIR MAX
"""
import os
import shutil
import sys

control, out, keep = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(control).read().split("\n")
count = int(lines[0])
files = lines[2 : 2 + count]
added = {}
for line in lines[2 + count :]:
    if line.startswith("FT "):
        parts = line.split()
        added[int(parts[1])] = len(parts) - 2
best = sorted(added, key=lambda i: (-added[i], files[i]))[:keep]
os.makedirs(out, exist_ok=True)
for i in best:
    shutil.copy(files[i], os.path.join(out, os.path.basename(files[i])))
total = sum(added.values())
kept = sum(added[i] for i in best)
print(f"kept {len(best)} of {count} inputs, at least {100 * kept // max(total, 1)}% of the features")
