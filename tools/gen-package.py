#!/usr/bin/env python3
"""A large kpt package of unrelated objects, generated deterministically (fixed seed).

  gen-package.py rl N FILE     the ResourceList kpt sends to the function for such a package
                               (items with kpt's annotations, the LokiStack as functionConfig)
  gen-package.py dir N DIR     the package itself (Kptfile, config/lokistack.yaml, objs/*.yaml),
                               for the real kpt and kustomize

Objects: ConfigMaps (literal and folded blocks with indentation indicators, quoted keys,
YAML 1.1 traps such as "on" and "0644", unicode, "- " and "---" inside blocks, a long line),
Deployments (nested lists, flow-style resources), Services, Secrets, custom resources (flow
metadata, tabs in quoted scalars) and kustomize-style files with head comments: about 270
bytes an object in the package files. Standard library only, so the bench needs no venv.
"""

import os
import random
import sys

SEED = 20240611
OBJECTS_PER_FILE = 10

CONFIG = """\
apiVersion: lokistack.krm.dev/v1alpha1
kind: LokiStack
metadata:
  name: loki
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: loki-stack-fn
spec:
  profile: local
  namespace: logging
  retention:
    period: 72h
"""

KPTFILE = """\
apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: big
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
  - exec: loki-stack-fn
    configPath: config/lokistack.yaml
"""

WORDS = ["alpha", "beta", "gamma", "delta", "edge", "web", "api", "worker", "cache", "batch"]


def name(rng, i):
    return f"{rng.choice(WORDS)}-{i:05d}"


def configmap(rng, i, ns):
    v = rng.randrange(4)
    data = {
        0: '  feature: "on"\n  mode: "0644"\n  \'quoted key\': x\n',
        1: "  script: |\n    #!/bin/sh\n    echo \"- not an item\"\n    ---\n",
        2: "  folded: >-\n    a long\n    folded line\n  keep: |+\n    kept\n\n",
        3: "  indented: |2\n      two more\n    base\n  ünïcode: \"日本語 ✓\"\n",
    }[v]
    if i % 997 == 0:
        data += "  long: " + "x" * 3000 + "\n"
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name(rng, i)}\n  namespace: {ns}\n"
        f"  labels:\n    app: {rng.choice(WORDS)}\n    tier: backend\ndata:\n{data}"
    )


def deployment(rng, i, ns):
    n = name(rng, i)
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {n}\n  namespace: {ns}\n"
        f"spec:\n  replicas: {rng.randrange(1, 5)}\n  selector:\n    matchLabels: {{app: {n}}}\n"
        f"  template:\n    metadata:\n      labels: {{app: {n}}}\n    spec:\n      containers:\n"
        f"      - name: main\n        image: registry.example/{n}:1.{rng.randrange(30)}\n"
        f"        resources: {{requests: {{cpu: 10m, memory: 32Mi}}}}\n"
    )


def service(rng, i, ns):
    n = name(rng, i)
    return (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {n}\n  namespace: {ns}\n"
        f"  labels:\n    app.kubernetes.io/name: {n}\n"
        f"spec:\n  selector:\n    app: {n}\n  ports:\n  - name: http\n    port: 80\n    protocol: TCP\n"
        f"    targetPort: {rng.randrange(8000, 9000)}\n"
    )


def secret(rng, i, ns):
    return (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name(rng, i)}\n  namespace: {ns}\n"
        f"  labels:\n    app.kubernetes.io/part-of: {rng.choice(WORDS)}\n"
        f"type: Opaque\nstringData:\n  enabled: \"yes\"\n  token: 'it''s'\n"
    )


def custom(rng, i, ns):
    return (
        f"# a custom resource\napiVersion: example.com/v1\nkind: Widget\n"
        f"metadata: {{name: {name(rng, i)}, namespace: {ns}}}\n"
        f"spec:\n  size: {rng.randrange(100)} # inline comment\n  note: \"tab\\there\"\n"
        f"  empty: {{}}\n  list: []\n  owner: {{team: {rng.choice(WORDS)}, pager: false}}\n"
    )


KINDS = [configmap, deployment, service, secret, custom]


def objects(n):
    rng = random.Random(SEED)
    for i in range(n):
        ns = f"team-{rng.randrange(50):02d}"
        yield rng.choice(KINDS)(rng, i, ns)


def item(text, annotations):
    """One ResourceList item in kyaml's style: compact sequence, a head comment after `- `,
    the runner's annotations after the object's own (in metadata.annotations, created if
    needed)."""
    lines = text.splitlines()
    head = [l for l in lines if l.startswith("#")]
    body = [l for l in lines if not l.startswith("#")]
    ann = [f"    {k}: '{v}'" for k, v in annotations]
    out = []
    i = 0
    while i < len(body):
        l = body[i]
        i += 1
        if l.startswith("metadata: {"):
            # Flow metadata stays flow, as kyaml keeps it.
            inner = ", ".join(f"{k}: '{v}'" for k, v in annotations)
            out.append(l[:-1] + f", annotations: {{{inner}}}}}")
        elif l == "metadata:" and "  annotations:" not in body:
            out.append(l)
            while i < len(body) and body[i].startswith("  "):
                out.append(body[i])
                i += 1
            out += ["  annotations:"] + ann
        elif l == "  annotations:":
            out.append(l)
            while i < len(body) and body[i].startswith("    "):
                out.append(body[i])
                i += 1
            out += ann
        else:
            out.append(l)
    first = "- " + (head[0] + "\n  " if head else "")
    return first + "\n".join("  " + l if l else l for l in out)[2:] + "\n"


def kpt_annotations(path, index, ident):
    """What kpt 1.0 adds to every item it sends (`kpt fn render`)."""
    return [
        ("config.kubernetes.io/index", index),
        ("config.kubernetes.io/path", path),
        ("internal.config.kubernetes.io/index", index),
        ("internal.config.kubernetes.io/package-path", "/home/user/big"),
        ("internal.config.kubernetes.io/path", path),
        ("internal.config.kubernetes.io/seqindent", "compact"),
        ("internal.config.kubernetes.io/annotations-migration-resource-id", str(int(ident) - 1)),
        ("internal.config.kubernetes.io/id", ident),
        ("config.k8s.io/id", ident),
    ]


def files(n):
    """(path, [object texts]) of the package, in kpt's reading order."""
    out = []
    objs = list(objects(n))
    for f in range(0, len(objs), OBJECTS_PER_FILE):
        out.append((f"objs/f{f // OBJECTS_PER_FILE:05d}.yaml", objs[f:f + OBJECTS_PER_FILE]))
    return out


def write_rl(n, path):
    parts = ["apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"]
    ident = 0
    for p, objs in [("Kptfile", [KPTFILE]), ("config/lokistack.yaml", [CONFIG])] + files(n):
        for index, text in enumerate(objs):
            ident += 1
            parts.append(item(text, kpt_annotations(p, str(index), str(ident))))
    parts.append("functionConfig:\n")
    parts.append("".join("  " + l + "\n" for l in CONFIG.splitlines()))
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(parts))


def write_dir(n, root):
    os.makedirs(os.path.join(root, "config"), exist_ok=True)
    os.makedirs(os.path.join(root, "objs"), exist_ok=True)
    with open(os.path.join(root, "Kptfile"), "w", encoding="utf-8") as f:
        f.write(KPTFILE)
    with open(os.path.join(root, "config", "lokistack.yaml"), "w", encoding="utf-8") as f:
        f.write(CONFIG)
    for p, objs in files(n):
        with open(os.path.join(root, p), "w", encoding="utf-8") as f:
            f.write("---\n".join(objs))


def main(argv):
    if len(argv) != 4 or argv[1] not in ("rl", "dir") or not argv[2].isdigit():
        sys.exit(__doc__)
    (write_rl if argv[1] == "rl" else write_dir)(int(argv[2]), argv[3])


if __name__ == "__main__":
    main(sys.argv)
