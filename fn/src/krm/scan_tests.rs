//! The scanner against the tree parser: every YAML shape found in real packages takes
//! the fast path and reads back exactly as the tree parser reads the input (items,
//! identities, owners, files, functionConfig, and the function's whole output); every
//! shape it does not copy faithfully falls back, with its reason.

use serde_json::Value;

use super::item::Item;
use super::resource_list::{ResourceList, parse};
use super::scan::{Fallback, MAX_DEPTH, scan};

const HEAD: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";
const CONFIG: &str = "functionConfig:\n  apiVersion: lokistack.krm.dev/v1alpha1\n  kind: LokiStack\n  metadata:\n    name: loki\n    annotations:\n      config.kubernetes.io/path: base/lokistack.yaml\n  spec:\n    profile: local\n    retention:\n      period: 72h\n";

/// A ResourceList with `items` (the text after `items:`) and the LokiStack config.
fn rl(items: &str) -> String {
    format!("{HEAD}items:\n{items}{CONFIG}")
}

/// Text items as the function writes them, read back.
fn written(items: &[Item<'_>]) -> Vec<Value> {
    let mut out = String::from("items:\n");
    for item in items {
        assert!(matches!(item, Item::Text(_)));
        item.write(&mut out);
    }
    let doc: Value =
        crate::yaml::from_str(&out).unwrap_or_else(|e| panic!("unreadable: {e}\n{out}"));
    doc["items"].as_array().cloned().unwrap_or_default()
}

/// `input` takes the fast path and means what the tree parser reads; returns the items.
#[track_caller]
fn same_as_tree(input: &str) -> Vec<Value> {
    let fast = scan(input).unwrap_or_else(|Fallback(why)| panic!("fell back ({why}):\n{input}"));
    let tree = parse(input).unwrap_or_else(|d| panic!("tree parser: {d}\n{input}"));
    let trees: Vec<Value> = tree
        .items
        .iter()
        .map(|i| match i {
            Item::Tree(v) => v.clone(),
            Item::Text(_) => unreachable!(),
        })
        .collect();
    assert_eq!(written(&fast.items), trees, "items differ:\n{input}");
    for (f, t) in fast.items.iter().zip(&tree.items) {
        assert_eq!(f.identity(), t.identity(), "{input}");
        assert_eq!(f.owner(), t.owner(), "{input}");
        assert_eq!(f.file(), t.file(), "{input}");
    }
    assert_eq!(fast.function_config, tree.function_config, "{input}");
    let fast = ResourceList {
        items: fast.items,
        function_config: fast.function_config,
    };
    let (a, b) = (
        crate::process_list(&fast, &Default::default()),
        crate::process_list(&tree, &Default::default()),
    );
    let doc = |s: &str| crate::yaml::from_str::<Value>(s).unwrap();
    assert_eq!(a.success, b.success, "{input}");
    assert_eq!(a.diagnostics, b.diagnostics, "{input}");
    assert_eq!(doc(&a.resource_list), doc(&b.resource_list), "{input}");
    trees
}

#[track_caller]
fn falls_back(input: &str, why: &str) {
    match scan(input) {
        Ok(_) => panic!("took the fast path:\n{input}"),
        Err(Fallback(reason)) => assert!(reason.contains(why), "{reason:?}, want {why:?}"),
    }
}

/// Items as kpt sends them (captured from kpt 1.0 `fn render`): head comments after
/// `- `, flow metadata kept flow, runner annotations quoted.
const KPT: &str = r#"- # keep this comment
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: app-settings # and this one
    namespace: apps
    annotations:
      config.kubernetes.io/index: '0'
      config.kubernetes.io/path: 'app.yaml'
      internal.config.kubernetes.io/path: 'app.yaml'
      internal.config.kubernetes.io/seqindent: 'compact'
  data:
    feature: "on"
    mode: "0644"
    script: |
      #!/bin/sh
      echo "- not an item"
      ---
      ...
    folded: >-
      a b
    'quoted key': x
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: apps, annotations: {config.kubernetes.io/index: '1', config.kubernetes.io/path: 'app.yaml'}}
  spec:
    replicas: 2
    template:
      spec:
        containers:
        - name: c
          image: nginx
          resources: {limits: {cpu: 100m}, requests: {cpu: 10m,
            memory: 32Mi}}
          args: [--a, "--b=c d", 'e''f']
"#;

#[test]
fn kpt_items_pass_as_text() {
    let items = same_as_tree(&rl(KPT));
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["data"]["mode"], "0644");
    assert!(
        items[0]["data"]["script"]
            .as_str()
            .unwrap()
            .contains("---\n...\n")
    );
    let input = rl(KPT);
    let fast = scan(&input).unwrap();
    assert_eq!(
        fast.items[1].identity(),
        ("apps", "Deployment", "apps", "web")
    );
    assert_eq!(fast.items[0].file(), Some("app.yaml"));
}

#[test]
fn block_scalars_with_indicators_and_chomping_keep_their_lines() {
    let items = "- kind: A\n  metadata: {name: a}\n  data:\n    lit: |2\n        two more\n      base\n    keep: |+\n      kept\n\n\n- kind: B\n  data:\n    folded: >\n      a\n      b\n\n      c\n    strip: |-\n      s\n    last: |+\n      end\n\n";
    let values = same_as_tree(&rl(items));
    assert_eq!(values[0]["data"]["lit"], "  two more\nbase\n");
    assert_eq!(values[0]["data"]["keep"], "kept\n\n\n");
    assert_eq!(values[1]["data"]["last"], "end\n\n");
}

#[test]
fn quoted_keys_unicode_tabs_long_lines_and_multi_line_scalars() {
    let long = "x".repeat(100_000);
    let items = format!(
        "- kind: ConfigMap\n  metadata:\n    name: \"ünï\\u00e7ode\"\n  data:\n    'it''s': 1\n    \"say \\\"hi\\\"\": 2\n    \"a: b\": 3\n    日本語: ✓\n    tab: \"a\\tb\"\n    rawtab: 'a\tb'\n    lit: |\n      col\tumn\n    long: {long}\n    plain: one\n      two\n    quoted: \"one\n      two\"\n"
    );
    let values = same_as_tree(&rl(&items));
    assert_eq!(values[0]["metadata"]["name"], "ünïçode");
    assert_eq!(values[0]["data"]["plain"], "one two");
    assert_eq!(values[0]["data"]["rawtab"], "a\tb");
}

#[test]
fn empty_lists_and_empty_items() {
    for items in ["items: []\n", "items:\n", "items: ~\n", ""] {
        let input = format!("{HEAD}{items}{CONFIG}");
        assert!(same_as_tree(&input).is_empty());
    }
    let values = same_as_tree(&rl("- {}\n- {kind: A}\n"));
    assert_eq!(values.len(), 2);
}

#[test]
fn windows_line_endings_and_a_byte_order_mark() {
    let crlf = rl(KPT).replace('\n', "\r\n");
    assert_eq!(same_as_tree(&crlf).len(), 2);
    let bom = format!("\u{feff}{}", rl(KPT));
    assert_eq!(same_as_tree(&bom).len(), 2);
}

#[test]
fn document_markers_and_the_config_first() {
    let input = format!("---\n{HEAD}{CONFIG}items:\n{KPT}...\n");
    assert_eq!(same_as_tree(&input).len(), 2);
    // No line break at the end: the config (last) is still read whole.
    let input = rl(KPT);
    assert!(same_as_tree(input.trim_end()).len() == 2);
}

#[test]
fn items_at_other_indentations_and_entries_on_their_own_line() {
    let indented = KPT
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("  {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_eq!(same_as_tree(&rl(&indented)).len(), 2);
    let wide = "    -   kind: A\n        metadata:\n          name: a\n    -   kind: B\n";
    assert_eq!(same_as_tree(&rl(wide)).len(), 2);
    let own_line = "-\n  # a comment\n\n  kind: A\n  metadata: {name: a}\n- # another\n  kind: B\n";
    assert_eq!(same_as_tree(&rl(own_line)).len(), 2);
    // A whole document indented.
    let doc = format!("  {}", rl("- kind: A\n").replace('\n', "\n  "));
    assert_eq!(same_as_tree(doc.trim_end()).len(), 1);
}

#[test]
fn comments_between_items() {
    let items = "# before\n- kind: A\n# at column 0\n  # indented\n- kind: B\n  # trailing\n";
    assert_eq!(same_as_tree(&rl(items)).len(), 2);
    // At column 0 the text is copied as it is, so even lenient YAML keeps its meaning.
    let items = "- kind: A\n  x: [1,\n2]\n";
    assert_eq!(same_as_tree(&rl(items))[0]["x"], serde_json::json!([1, 2]));
}

#[test]
fn names_and_annotations_are_read_as_the_tree_parser_types_them() {
    let items = "- kind: A\n  metadata:\n    name: \"123\"\n    namespace: ~\n- kind: B\n  metadata:\n    name: true\n    namespace: {a: 1}\n- kind: C\n  metadata:\n    name: c\n    annotations:\n      lokistack.krm.dev/owner: \"LokiStack/loki\"\n      config.kubernetes.io/path: 'generated/c.yaml'\n- kind: D\n  metadata: [1]\n";
    same_as_tree(&rl(items));
    let input = rl(items);
    let fast = scan(&input).unwrap();
    assert_eq!(fast.items[0].identity(), ("", "A", "", "123"));
    assert_eq!(fast.items[1].identity(), ("", "B", "", ""));
    assert_eq!(fast.items[2].owner(), Some("LokiStack/loki"));
    assert_eq!(fast.items[2].file(), Some("generated/c.yaml"));
}

#[test]
fn our_earlier_output_is_dropped_and_conflicts_refused_alike() {
    // Owned by this stack: dropped (kpt re-render). Same identity, not ours: refused.
    let items = "- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: logging\n    annotations:\n      lokistack.krm.dev/owner: LokiStack/loki\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: other}\n";
    same_as_tree(&rl(items));
    let clash = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: other}\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: logging\n    annotations: {config.kubernetes.io/path: ns.yaml}\n";
    same_as_tree(&rl(clash));
    let input = rl(clash);
    let fast = scan(&input).unwrap();
    let list = ResourceList {
        items: fast.items,
        function_config: fast.function_config,
    };
    let out = crate::process_list(&list, &Default::default());
    assert!(!out.success);
    assert_eq!(out.diagnostics[0].field.as_deref(), Some("items[1]"));
    assert_eq!(out.diagnostics[0].file.as_deref(), Some("ns.yaml"));
}

#[test]
fn a_generated_package_takes_the_fast_path() {
    // Every shape of tools/gen-package.py's objects, several times over.
    let mut items = String::new();
    for i in 0..50 {
        items.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{i}\n    namespace: team-{}\n    annotations:\n      config.kubernetes.io/index: '{i}'\n      config.kubernetes.io/path: 'objs/f{}.yaml'\n  data:\n    keep: |+\n      kept\n\n    indented: |2\n        two\n      base\n- # a custom resource\n  apiVersion: example.com/v1\n  kind: Widget\n  metadata: {{name: w-{i}, namespace: team-{}, annotations: {{config.kubernetes.io/index: '{i}'}}}}\n  spec:\n    size: {i} # inline comment\n    note: \"tab\\there\"\n    empty: {{}}\n    list: []\n",
            i % 7,
            i / 10,
            i % 5
        ));
    }
    assert_eq!(same_as_tree(&rl(&items)).len(), 100);
}

#[test]
fn inputs_the_scanner_does_not_copy_fall_back_with_a_reason() {
    let cases: &[(&str, &str)] = &[
        ("- &a {kind: A}\n- *a\n", "anchors"),
        ("- kind: A\n  x: &a 1\n  y: *a\n", "anchors"),
        ("- kind: A\n  data: {b: !!binary aGk=}\n", "tags"),
        ("- !Thing {kind: A}\n", "tags"),
        ("- kind: A\n  kind: B\n", "repeated key"),
        ("- kind: A\n  \"kind\": B\n", "repeated key"),
        ("- kind: A\n  <<: {b: 1}\n", "merge key"),
        ("- kind: A\n  ~: 1\n", "null"),
        ("- kind: A\n  data: {1: a, 0x1: b}\n", "numbers or booleans"),
        (
            "- kind: A\n  data: {true: a, True: b}\n",
            "numbers or booleans",
        ),
        ("- kind: A\n  ? [k]\n  : v\n", "not a scalar"),
        ("- kind: A\n  x: .nan\n", "infinite"),
        ("- kind: A\n  x: -1e999\n", "infinite"),
        ("- kind: A\n  metadata: {name: 123}\n", "a number where"),
        ("- apiVersion: 5x\n  kind: A\n", "a number where"),
        ("- a\n", "not a mapping"),
        ("- - kind: A\n", "not a mapping"),
        (
            "  - kind: A\n# column 0 inside the list\n  - kind: B\n",
            "indented less",
        ),
        ("  - kind: A\n    x: [1,\n 2]\n", "indented less"),
        ("-\tkind: A\n", "does not start with"),
        ("- kind: A\n    bad: indentation\n", "invalid YAML"),
    ];
    for (items, why) in cases {
        falls_back(&rl(items), why);
    }
    falls_back(
        &format!("{HEAD}items: [{{kind: A}}]\n{CONFIG}"),
        "flow style",
    );
    falls_back(&format!("{HEAD}items: 3\n{CONFIG}"), "not a block sequence");
    falls_back(
        &format!("{HEAD}items: []\nfunctionConfig: 3\n"),
        "functionConfig",
    );
    falls_back(&format!("%YAML 1.1\n---\n{}", rl("")), "%YAML");
    falls_back(&format!("{}---\na: 1\n", rl("")), "more than one document");
    falls_back(
        &rl("").replace("kind: ResourceList", "kind: ConfigMap"),
        "not a ResourceList",
    );
    falls_back(&rl("- kind: A\r  x: 1\n"), "carriage return");
    falls_back(&format!("{HEAD}items:\n- kind: A"), "end a line");
    falls_back("", "");
    falls_back("{\"apiVersion\": \"config.kubernetes.io/v1\"}", "JSON");
    falls_back(" [1]", "JSON");
    falls_back(&format!("{HEAD}kind: ResourceList\n"), "repeated key");
}

#[test]
fn nesting_is_bounded() {
    let mut deep = String::from("- kind: A\n  x:\n");
    for level in 0..MAX_DEPTH {
        deep.push_str(&" ".repeat(4 + 2 * level));
        deep.push_str("y:\n");
    }
    deep.push_str(&" ".repeat(6 + 2 * MAX_DEPTH));
    deep.push_str("z: 1\n");
    falls_back(&rl(&deep), "deep nesting");
    let flow = format!(
        "- kind: A\n  x: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    falls_back(&rl(&flow), "invalid YAML");
}

#[test]
fn nesting_just_under_the_bound_is_fast() {
    let mut ok = String::from("- kind: A\n  x:\n");
    for level in 0..MAX_DEPTH - 5 {
        ok.push_str(&" ".repeat(4 + 2 * level));
        ok.push_str("y:\n");
    }
    ok.push_str(&" ".repeat(4 + 2 * (MAX_DEPTH - 5)));
    ok.push_str("z: 1\n");
    // The tree side recurses (parser, comparison, writer): more stack than a debug test
    // thread has.
    let run = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || same_as_tree(&rl(&ok)).len())
        .unwrap();
    assert_eq!(run.join().unwrap(), 1);
}

/// What the scanner accepted reads as the tree parser reads it (items, identities,
/// owners, files, config); used on inputs the fast path may or may not take.
#[track_caller]
fn agrees_if_taken(input: &str) -> bool {
    let Ok(fast) = scan(input) else {
        return false;
    };
    let tree = parse(input)
        .unwrap_or_else(|d| panic!("scanner took what the tree parser refuses ({d}):\n{input:?}"));
    let trees: Vec<Value> = tree
        .items
        .iter()
        .map(|i| match i {
            Item::Tree(v) => v.clone(),
            Item::Text(_) => unreachable!(),
        })
        .collect();
    assert_eq!(written(&fast.items), trees, "{input:?}");
    for (f, t) in fast.items.iter().zip(&tree.items) {
        assert_eq!(
            (f.identity(), f.owner(), f.file()),
            (t.identity(), t.owner(), t.file()),
            "{input:?}"
        );
    }
    assert_eq!(fast.function_config, tree.function_config, "{input:?}");
    true
}

#[test]
fn every_prefix_and_byte_edit_of_a_list_is_taken_faithfully_or_left_to_the_tree_parser() {
    let base = rl(KPT);
    let (mut taken, mut tried) = (0, 0);
    for cut in (0..=base.len()).filter(|i| base.is_char_boundary(*i)) {
        tried += 1;
        taken += usize::from(agrees_if_taken(base.get(..cut).unwrap()));
    }
    for at in (0..base.len()).filter(|i| base.is_char_boundary(*i)) {
        for b in [
            " ", "-", ":", "#", "\t", "\"", "'", "\n", "&", "{", "}", "|", ">", "0", "\r\n",
        ] {
            let mut edited = base.clone();
            let end = (at + 1..=base.len())
                .find(|i| base.is_char_boundary(*i))
                .unwrap();
            edited.replace_range(at..end, b);
            tried += 1;
            taken += usize::from(agrees_if_taken(&edited));
        }
    }
    // Most edits keep a list the scanner takes; the rest are refused or left to the tree
    // parser, never read differently.
    assert!(taken > tried / 4, "{taken} of {tried}");
}
