//! `rewheel new`: a standalone rule crate, outside any workspace, that builds
//! to a rule component and tests itself twice — natively with `cargo test`,
//! and as a component with `rewheel test` on its `cases/`.

use std::path::{Path, PathBuf};

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct NewRule {
    /// Crate name, e.g. `team-redpanda-rules`.
    pub name: String,
    /// Component slug the rules audit, e.g. `redpanda`; the rule id prefix.
    pub component: String,
    /// Where the crate goes (created; must not exist or be empty).
    pub dir: PathBuf,
    /// The rules-sdk crate to depend on.
    pub sdk: PathBuf,
}

/// The rules-sdk next to this binary's sources, when it is still there.
pub fn default_sdk() -> Option<PathBuf> {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules-sdk");
    sdk.join("Cargo.toml").is_file().then(|| sdk.canonicalize().unwrap_or(sdk))
}

/// Is `name` usable as a crate name and rule-id prefix?
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok { Ok(()) } else { Err(format!("{what} {name:?} must be lowercase kebab-case, e.g. team-redpanda")) }
}

/// The files of the new crate: `(relative path, contents)`.
pub fn files(new: &NewRule) -> Vec<(String, String)> {
    let slug = &new.component;
    let id = format!("{slug}-hand-written-workload");
    let sdk = new.sdk.display().to_string().replace('\\', "/");
    let cargo = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
# cdylib: the WebAssembly component; rlib: native `cargo test`.
crate-type = ["cdylib", "rlib"]

[dependencies]
rules-sdk = {{ path = "{sdk}" }}

[dev-dependencies]
rules-sdk = {{ path = "{sdk}", features = ["testing"] }}

# Small, fast components.
[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
panic = "abort"
strip = true

# A crate of its own, even inside another workspace's tree.
[workspace]
"#,
        name = new.name
    );
    let toolchain = "[toolchain]\nchannel = \"1.95.0\"\ntargets = [\"wasm32-wasip2\"]\n".to_string();
    let lib = format!(
        r##"//! Rules for {slug}: flag what an upstream chart or operator already does.
//!
//! Build the component:  cargo build --release --target wasm32-wasip2
//! Test natively:        cargo test
//! Test the component:   rewheel test .
//! Use it:               rewheel audit rendered/ --rules target/wasm32-wasip2/release/{lib_name}.wasm

use rules_sdk::prelude::*;

/// A workload written by hand (not rendered by an upstream chart, not owned
/// by an operator) that runs {slug}'s own image.
pub struct HandWrittenWorkload;

impl Rule for HandWrittenWorkload {{
    fn meta(&self) -> Meta {{
        Meta {{
            id: "{id}",
            component: "{slug}",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "A hand-written {slug} workload instead of the upstream chart",
            replace_with: "the upstream {slug} chart (or its operator CRD) with values in the wrapper",
            sources: &["https://helm.sh/docs/chart_best_practices/dependencies/"],
            kinds: WORKLOAD_KINDS,
            // Judges each object on its own: the host may stream big inputs to it.
            scope: Scope::PerResource,
            supersedes: rules_sdk::supersede::WORKLOAD,
            docs: DOCS,
            options: &[RuleOption {{
                name: "allow-names",
                description: "list of strings: workload names that are deliberately hand-written (default none)",
                kind: OptionKind::Strings,
            }}],
        }}
    }}

    fn check(&self, object: &Object, report: &mut Report) {{
        if !object.origin().is_local() {{
            return; // rendered by an upstream chart or owned by an operator
        }}
        if report.option_strings("allow-names").contains(&object.name) {{
            return;
        }}
        for container in object.containers() {{
            if container.image.matches("{slug}") {{
                report
                    .flag(object, format!("{{}} runs {{}} {{}}", object.display(), container.image, object.origin().describe()))
                    .at(container.field("image"));
                return;
            }}
        }}
    }}
}}

const DOCS: &str = "\
## What it detects
A Deployment, StatefulSet, DaemonSet, Job or Pod written locally that runs the {slug} image.

## Why it matters
The upstream chart already renders, upgrades and secures this workload; a hand-written copy drifts from it.

## What to use instead
The upstream {slug} chart as a dependency, configured through values.

## Example
```yaml
# Source: platform/templates/{slug}.yaml
kind: StatefulSet
spec: {{template: {{spec: {{containers: [{{name: {slug}, image: {slug}:1.0}}]}}}}}}
```
";

rules_sdk::export_rules!(HandWrittenWorkload);

#[cfg(test)]
mod tests {{
    use super::*;
    use rules_sdk::testing::{{check_yaml, check_yaml_with_options}};

    const WRAPPER: &str = "\
# Source: platform/templates/{slug}.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: {slug}, namespace: apps}}
spec:
  template:
    spec:
      containers: [{{name: main, image: 'mirror.local/{slug}:1.0'}}]
";

    #[test]
    fn flags_a_hand_written_workload() {{
        let findings = check_yaml(&[&HandWrittenWorkload], WRAPPER);
        assert_eq!(rules_sdk::testing::keys(&findings), vec![("{id}", "StatefulSet", "{slug}")]);
        assert_eq!(findings[0].path.as_deref(), Some("spec.template.spec.containers[0].image"));
    }}

    #[test]
    fn upstream_subcharts_and_allowed_names_are_not_flagged() {{
        let upstream = WRAPPER.replace("platform/templates/", "platform/charts/{slug}/templates/");
        assert!(check_yaml(&[&HandWrittenWorkload], &upstream).is_empty());
        let allowed = check_yaml_with_options(&[&HandWrittenWorkload], WRAPPER, &[("{id}", r#"{{"allow-names": ["{slug}"]}}"#)]);
        assert!(allowed.unwrap().is_empty());
    }}
}}
"##,
        lib_name = new.name.replace('-', "_"),
    );
    let smelly_input = format!(
        "# Source: platform/templates/{slug}.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {slug}\n  namespace: apps\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          image: mirror.local/{slug}:1.0\n"
    );
    let smelly_expected = format!(
        "# The exact findings `rewheel test` expects for this case's manifests.\nfindings:\n  - rule: {id}\n    kind: StatefulSet\n    namespace: apps\n    name: {slug}\n    severity: warning\n    message: runs mirror.local/{slug}:1.0\n"
    );
    let clean_input = format!(
        "# Source: platform/charts/{slug}/templates/statefulset.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {slug}\n  namespace: apps\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          image: mirror.local/{slug}:1.0\n"
    );
    let clean_expected = "# Rendered by the upstream subchart: nothing to report.\nfindings: []\n".to_string();
    let readme = format!(
        "# {name}\n\nrewheel rules for {slug}, scaffolded by `rewheel new`.\n\n```sh\ncargo test                                             # native unit tests\ncargo build --release --target wasm32-wasip2            # the component\nrewheel test .                                         # the component on cases/*/ (expected.yaml)\nrewheel audit rendered/ --rules target/wasm32-wasip2/release/{lib}.wasm\n```\n",
        name = new.name,
        lib = new.name.replace('-', "_")
    );
    vec![
        ("Cargo.toml".into(), cargo),
        ("rust-toolchain.toml".into(), toolchain),
        ("src/lib.rs".into(), lib),
        ("cases/smelly/input.yaml".into(), smelly_input),
        ("cases/smelly/expected.yaml".into(), smelly_expected),
        ("cases/clean/input.yaml".into(), clean_input),
        ("cases/clean/expected.yaml".into(), clean_expected),
        ("README.md".into(), readme),
        (".gitignore".into(), "/target\n".into()),
    ]
}

/// Write the crate; refuses a directory that exists and is not empty.
pub fn create(new: &NewRule) -> Result<Vec<PathBuf>, String> {
    check_name("crate name", &new.name)?;
    check_name("component", &new.component)?;
    if new.dir.exists() && new.dir.read_dir().map_err(|e| format!("{}: {e}", new.dir.display()))?.next().is_some() {
        return Err(format!("{} exists and is not empty; choose another --dir", new.dir.display()));
    }
    let mut written = Vec::new();
    for (relative, contents) in files(new) {
        let path = new.dir.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kebab_case() {
        assert!(check_name("crate name", "team-redpanda-rules").is_ok());
        for bad in ["", "Team", "9lives", "a_b", "a-", "a--b", "a b"] {
            assert!(check_name("crate name", bad).is_err(), "{bad:?}");
        }
    }
}
