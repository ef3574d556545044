//! The generator on a fixture chart repository built here with git: the exact
//! rows, the warnings, and byte-identical output on a second run.

use std::path::{Path, PathBuf};
use std::process::Command;

use rewheel_catalog::{Options, run};

/// A file of the fixture repository: (path, text).
const FILES: &[(&str, &str)] = &[
    // Bitnami shape, ports under containerPorts.
    ("charts/redis/Chart.yaml", "apiVersion: v2\nname: redis\nversion: 1.2.3\n"),
    (
        "charts/redis/values.yaml",
        "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.2.4-debian-12-r0\n  digest: \"\"\n\
         metrics:\n  image:\n    registry: docker.io\n    repository: bitnami/redis-exporter\n    tag: 1.58.0\n  \
         containerPorts:\n    http: 9121\nmaster:\n  containerPorts:\n    redis: 6379\n",
    ),
    // A string image with tag and digest; a template literal image and containerPort.
    ("charts/proxy/Chart.yaml", "apiVersion: v2\nname: proxy\nversion: 0.1.0\n"),
    (
        "charts/proxy/values.yaml",
        "image: \"quay.io/x/y:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n\
         service:\n  targetPort: 4180\n",
    ),
    (
        "charts/proxy/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        \
         - name: proxy\n          image: {{ .Values.image }}\n          ports:\n            - containerPort: 8080\n        \
         - name: helper\n          image: busybox:1.36\n",
    ),
    // helm test hooks are not what the chart runs.
    (
        "charts/proxy/templates/tests/test-connection.yaml",
        "kind: Pod\nspec:\n  containers:\n    - image: curlimages/curl:8\n",
    ),
    // Nested server.image and sidecar.image; docker.io/library normalised; a vendored subchart counted.
    // Dependencies by alias (as `helm template` names their folders), else by name, and the vendored one.
    (
        "charts/app/Chart.yaml",
        "apiVersion: v2\nname: app\nversion: 2.0.0\ndependencies:\n  - {name: postgresql, alias: db, repository: oci://x}\n  \
         - {name: redis, repository: https://y}\n",
    ),
    (
        "charts/app/values.yaml",
        "server:\n  image:\n    repository: acme/server\n    tag: \"1.0\"\nsidecar:\n  image: docker.io/library/nginx:1.25\n\
         test:\n  image: bats/bats:1.11\n",
    ),
    ("charts/app/charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.0.1\n"),
    ("charts/app/charts/sub/values.yaml", "image:\n  repository: acme/sub\n  tag: \"1\"\n"),
    // An operator by crds/, its controller image named so.
    ("charts/widget/Chart.yaml", "apiVersion: v2\nname: widget\nversion: 0.3.0\n"),
    (
        "charts/widget/values.yaml",
        "image:\n  repository: ghcr.io/acme/widget-controller\n  tag: v0.3.0\n\
         webhook:\n  image:\n    repository: ghcr.io/acme/widget-webhook\n",
    ),
    ("charts/widget/crds/widgets.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"),
    // An operator by a CRD template; its controller image is the top-level image.
    ("charts/gadget/Chart.yaml", "apiVersion: v2\nname: gadget\nversion: 1.0.0\n"),
    ("charts/gadget/values.yaml", "image: ghcr.io/gadget:2\n"),
    (
        "charts/gadget/templates/crd.yaml",
        "{{- if .Values.crds }}\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n{{- end }}\n",
    ),
    // Skipped with a warning: a library chart, and values.yaml that does not parse.
    ("charts/common/Chart.yaml", "apiVersion: v2\nname: common\nversion: 1.0.0\ntype: library\n"),
    ("charts/broken/Chart.yaml", "apiVersion: v2\nname: broken\nversion: 1.0.0\n"),
    ("charts/broken/values.yaml", "image: [unclosed\n"),
    // An operator install bundle.
    (
        "deploy/bundle.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: thing}\n---\napiVersion: apps/v1\nkind: Deployment\n\
         metadata: {name: thing-operator}\nspec:\n  template:\n    spec:\n      containers:\n        \
         - name: manager\n          image: ghcr.io/acme/thing-operator:v1.2.3\n          ports:\n            \
         - containerPort: 9443\n        - name: proxy\n          image: quay.io/brancz/kube-rbac-proxy:v0.15.0\n\
         ---\napiVersion: v1\nkind: Service\nmetadata: {name: thing}\n",
    ),
];

const SOURCES: &str = r#"
[[source]]
github = "acme/charts"
repository = "https://acme.example/charts"
manifests = [{ name = "thing-operator-bundle", path = "deploy/bundle.yaml" }]
"#;

/// Run git isolated from the machine's configuration, with fixed dates so
/// the commit is the same on every machine.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", "2024-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2024-01-02T03:04:05Z")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// Mirrors folder holding `acme+charts/repo` (a clone with a work tree);
/// returns it and the commit id.
fn fixture(root: &Path) -> (PathBuf, String) {
    let mirrors = root.join("mirrors");
    let repo = mirrors.join("acme+charts/repo");
    for (path, text) in FILES {
        let file = repo.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "fixture"]);
    let commit = git(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(root.join("sources.toml"), SOURCES).unwrap();
    (mirrors, commit)
}

fn options(root: &Path, mirrors: &Path) -> Options {
    Options {
        mirrors: mirrors.to_path_buf(),
        sources: root.join("sources.toml"),
        out: root.join("out/catalog.tsv"),
        skip_missing: false,
    }
}

fn expected_rows(commit: &str) -> Vec<String> {
    let repo = "https://acme.example/charts";
    let source = |path: &str| format!("acme/charts@{commit}:{path}");
    vec![
        format!("app\t{repo}\tchart\t2.0.0\tacme/server,acme/sub,nginx\t-\t-\tdb,redis,sub\t{}", source("charts/app")),
        format!("gadget\t{repo}\toperator\t1.0.0\tghcr.io/gadget\tghcr.io/gadget\t-\t-\t{}", source("charts/gadget")),
        format!("proxy\t{repo}\tchart\t0.1.0\tbusybox,x/y\t-\t4180,8080\t-\t{}", source("charts/proxy")),
        format!(
            "redis\t{repo}\tchart\t1.2.3\tbitnami/redis,bitnami/redis-exporter\t-\t6379,9121\t-\t{}",
            source("charts/redis")
        ),
        format!(
            "thing-operator-bundle\thttps://github.com/acme/charts\toperator\tv1.2.3\t\
             acme/thing-operator,brancz/kube-rbac-proxy\tacme/thing-operator\t9443\t-\t{}",
            source("deploy/bundle.yaml")
        ),
        format!(
            "widget\t{repo}\toperator\t0.3.0\tacme/widget-controller,acme/widget-webhook\tacme/widget-controller\t-\t-\t{}",
            source("charts/widget")
        ),
    ]
}

#[test]
fn mines_the_exact_rows_and_warns_about_each_chart_left_out() {
    let root = tempfile::tempdir().unwrap();
    let (mirrors, commit) = fixture(root.path());
    let mut warnings = Vec::new();
    let catalog = run(&options(root.path(), &mirrors), &mut |line| warnings.push(line)).unwrap();
    let text = std::fs::read_to_string(root.path().join("out/catalog.tsv")).unwrap();

    let rows: Vec<&str> = text.lines().filter(|line| !line.starts_with('#')).collect();
    assert_eq!(rows, expected_rows(&commit));
    assert_eq!((catalog.rows.len(), catalog.operators(), catalog.repos.len()), (6, 3, 1));

    let header: Vec<&str> = text.lines().filter(|line| line.starts_with('#')).collect();
    assert!(header.iter().any(|l| l.contains("do not edit by hand")), "{header:?}");
    assert!(header.iter().any(|l| l.contains("cargo run -p rewheel-catalog -- --mirrors MIRRORS --sources")));
    assert!(header.contains(&format!("# source acme/charts {commit} 2024-01-02").as_str()), "{header:?}");

    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    let warned = |parts: &[&str]| warnings.iter().any(|w| parts.iter().all(|p| w.contains(p)));
    assert!(warned(&["acme/charts", "charts/common/Chart.yaml", "library"]), "{warnings:#?}");
    assert!(warned(&["acme/charts", "charts/broken/values.yaml", "invalid YAML", "line 1"]), "{warnings:#?}");
    assert!(warned(&["acme/charts", "charts/app/charts/sub", "vendored inside the chart charts/app"]), "{warnings:#?}");
}

#[test]
fn the_same_mirrors_give_the_same_bytes() {
    let root = tempfile::tempdir().unwrap();
    let (mirrors, _) = fixture(root.path());
    let out = root.path().join("out/catalog.tsv");
    run(&options(root.path(), &mirrors), &mut |_| {}).unwrap();
    let first = std::fs::read(&out).unwrap();
    run(&options(root.path(), &mirrors), &mut |_| {}).unwrap();
    assert_eq!(first, std::fs::read(&out).unwrap());
    assert!(first.ends_with(b"\n") && !first.contains(&b'\r'));
}

#[test]
fn reads_a_bare_clone_in_the_owner_folder() {
    let root = tempfile::tempdir().unwrap();
    let (mirrors, commit) = fixture(root.path());
    let bare = root.path().join("bare");
    std::fs::create_dir_all(&bare).unwrap();
    let repo = mirrors.join("acme+charts/repo");
    git(root.path(), &["clone", "-q", "--bare", repo.to_str().unwrap(), bare.join("acme+charts").to_str().unwrap()]);
    let catalog = run(&options(root.path(), &bare), &mut |_| {}).unwrap();
    assert_eq!(catalog.rows.len(), 6);
    assert_eq!(catalog.repos[0].commit, commit);
}

#[test]
fn a_missing_mirror_says_how_to_fetch_it_unless_skipped() {
    let root = tempfile::tempdir().unwrap();
    let (mirrors, _) = fixture(root.path());
    let sources =
        format!("{SOURCES}\n[[source]]\ngithub = \"acme/missing\"\nrepository = \"https://acme.example/m\"\n");
    std::fs::write(root.path().join("sources.toml"), sources).unwrap();

    let error = run(&options(root.path(), &mirrors), &mut |_| {}).unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("acme+missing"), "{message}");
    assert!(message.contains("git clone --bare https://github.com/acme/missing"), "{message}");

    let mut warnings = Vec::new();
    let options = Options { skip_missing: true, ..options(root.path(), &mirrors) };
    let catalog = run(&options, &mut |line| warnings.push(line)).unwrap();
    assert_eq!(catalog.repos.len(), 1);
    assert!(warnings.iter().any(|w| w.contains("acme/missing") && w.contains("skipped")), "{warnings:#?}");
}
