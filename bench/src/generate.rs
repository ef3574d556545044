//! A deterministic generator of `helm template`-style platforms: wrapper
//! charts rendering upstream subcharts (`<wrapper>/charts/<dep>/templates/…`),
//! the wrapper's own overlays (ExternalSecret, NetworkPolicy, ConfigMap), and
//! a share of hand-rolled datastores and bootstrap Jobs in the wrapper's own
//! templates — the smells rewheel exists to find. The same `docs` and `seed`
//! always give the same bytes.

use std::fmt::Write as _;

/// A tiny xorshift generator: deterministic across platforms and releases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// An upstream dependency a wrapper renders: chart name, image, port.
const DEPENDENCIES: &[(&str, &str, u16)] = &[
    ("mongodb", "docker.io/bitnami/mongodb:7.0.14", 27017),
    ("redis", "docker.io/bitnami/redis:7.4.1", 6379),
    ("postgresql", "docker.io/bitnami/postgresql:16.4.0", 5432),
    ("redpanda", "docker.redpanda.com/redpandadata/redpanda:v24.2.7", 9092),
    ("minio", "quay.io/minio/minio:RELEASE.2024-10-02T17-50-41Z", 9000),
    ("grafana", "docker.io/grafana/grafana:11.2.2", 3000),
    ("temporal", "docker.io/temporalio/server:1.25.1", 7233),
    ("clickhouse", "docker.io/clickhouse/clickhouse-server:24.8", 8123),
];

/// Hand-rolled datastores a wrapper grows: image, port.
const HAND_ROLLED: &[(&str, &str, u16)] = &[
    ("mongo", "mirror.example.internal/dockerhub/library/mongo:7.0", 27017),
    ("valkey", "mirror.example.internal/dockerhub/valkey/valkey:8.0", 6379),
    ("postgres", "mirror.example.internal/dockerhub/library/postgres:16", 5432),
];

/// Bootstrap scripts a wrapper grows: image, command.
const BOOTSTRAP: &[(&str, &str)] = &[
    (
        "quay.io/minio/mc:latest",
        "mc alias set local http://minio:9000 \"$USER\" \"$PASS\" && mc mb --ignore-existing local/artifacts",
    ),
    ("docker.redpanda.com/redpandadata/redpanda:v24.2.7", "rpk topic create events --brokers redpanda:9092 -p 6 -r 3"),
    ("docker.io/temporalio/admin-tools:1.25", "tctl --ns default namespace register --retention 3"),
    ("bitnami/kubectl:1.31", "kubectl apply -f /manifests/ && kubectl rollout status deploy/app"),
];

/// One generated file: its name and contents.
pub struct File {
    pub name: String,
    pub text: String,
}

/// A platform of `docs` documents, one file per wrapper chart (about 100
/// documents each, as one `helm template` per release).
pub fn platform(docs: usize, seed: u64) -> Vec<File> {
    let mut rng = Rng(seed.max(1));
    let mut files = Vec::new();
    let mut written = 0;
    let mut chart = 0;
    while written < docs {
        let wrapper = format!("platform-{chart:04}");
        let per_file = (docs - written).min(100);
        let mut text = String::new();
        for i in 0..per_file {
            document(&mut text, &mut rng, &wrapper, i);
        }
        files.push(File { name: format!("{wrapper}.yaml"), text });
        written += per_file;
        chart += 1;
    }
    files
}

fn document(out: &mut String, rng: &mut Rng, wrapper: &str, i: usize) {
    let namespace = format!("team-{}", rng.below(20));
    let roll = rng.below(100);
    if roll < 5 {
        let (name, image, port) = *rng.pick(HAND_ROLLED);
        workload(
            out,
            &format!("{wrapper}/templates/{name}.yaml"),
            "StatefulSet",
            &format!("{name}-{i}"),
            &namespace,
            image,
            port,
            None,
        );
    } else if roll < 8 {
        let (image, command) = *rng.pick(BOOTSTRAP);
        workload(
            out,
            &format!("{wrapper}/templates/bootstrap-{i}.yaml"),
            "Job",
            &format!("bootstrap-{i}"),
            &namespace,
            image,
            0,
            Some(command),
        );
    } else if roll < 18 {
        overlay(out, wrapper, i, &namespace, rng);
    } else {
        let (dep, image, port) = *rng.pick(DEPENDENCIES);
        let template = format!(
            "{wrapper}/charts/{dep}/templates/{}",
            ["statefulset.yaml", "service.yaml", "configmap.yaml"][i % 3]
        );
        match i % 3 {
            0 => workload(out, &template, "StatefulSet", &format!("{dep}-{i}"), &namespace, image, port, None),
            1 => service(out, &template, &format!("{dep}-{i}"), &namespace, dep, port),
            _ => configmap(out, &template, &format!("{dep}-config-{i}"), &namespace, dep, rng),
        }
    }
}

fn header(out: &mut String, template: &str, api: &str, kind: &str, name: &str, namespace: &str, chart: &str) {
    let _ = write!(
        out,
        "---\n# Source: {template}\napiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/instance: {chart}\n    app.kubernetes.io/managed-by: Helm\n    helm.sh/chart: {chart}-1.4.2\n"
    );
}

#[allow(clippy::too_many_arguments)]
fn workload(
    out: &mut String,
    template: &str,
    kind: &str,
    name: &str,
    namespace: &str,
    image: &str,
    port: u16,
    command: Option<&str>,
) {
    let api = if kind == "Job" { "batch/v1" } else { "apps/v1" };
    let chart = template.split('/').next().unwrap_or("chart");
    header(out, template, api, kind, name, namespace, chart);
    out.push_str("spec:\n");
    if kind != "Job" {
        let _ = write!(
            out,
            "  replicas: 1\n  serviceName: {name}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n"
        );
    } else {
        out.push_str("  backoffLimit: 3\n");
    }
    let _ = write!(
        out,
        "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n    spec:\n      securityContext:\n        runAsNonRoot: true\n        fsGroup: 1001\n      containers:\n        - name: main\n          image: {image}\n          imagePullPolicy: IfNotPresent\n"
    );
    if let Some(command) = command {
        let _ = write!(
            out,
            "          command: [\"/bin/sh\", \"-c\"]\n          args:\n            - |\n              {command}\n"
        );
    }
    if port > 0 {
        let _ = write!(
            out,
            "          ports:\n            - name: main\n              containerPort: {port}\n          readinessProbe:\n            tcpSocket: {{port: {port}}}\n            periodSeconds: 10\n"
        );
    }
    let _ = write!(
        out,
        "          env:\n            - name: TZ\n              value: UTC\n          resources:\n            requests: {{cpu: 100m, memory: 256Mi}}\n            limits: {{memory: 512Mi}}\n"
    );
    if kind == "Job" {
        out.push_str("      restartPolicy: OnFailure\n");
    }
}

fn service(out: &mut String, template: &str, name: &str, namespace: &str, dep: &str, port: u16) {
    let chart = template.split('/').next().unwrap_or("chart");
    header(out, template, "v1", "Service", name, namespace, chart);
    let _ = write!(
        out,
        "spec:\n  type: ClusterIP\n  selector:\n    app.kubernetes.io/name: {dep}\n  ports:\n    - name: main\n      port: {port}\n      targetPort: {port}\n"
    );
}

fn configmap(out: &mut String, template: &str, name: &str, namespace: &str, dep: &str, rng: &mut Rng) {
    let chart = template.split('/').next().unwrap_or("chart");
    header(out, template, "v1", "ConfigMap", name, namespace, chart);
    let _ = write!(out, "data:\n  {dep}.conf: |\n");
    for k in 0..8 {
        let _ = writeln!(out, "    setting_{k} = {}", rng.below(100_000));
    }
}

fn overlay(out: &mut String, wrapper: &str, i: usize, namespace: &str, rng: &mut Rng) {
    if rng.below(2) == 0 {
        header(
            out,
            &format!("{wrapper}/templates/externalsecret.yaml"),
            "external-secrets.io/v1",
            "ExternalSecret",
            &format!("app-secrets-{i}"),
            namespace,
            wrapper,
        );
        let _ = write!(
            out,
            "spec:\n  refreshInterval: 1h\n  secretStoreRef: {{kind: ClusterSecretStore, name: openbao}}\n  target: {{name: app-secrets-{i}}}\n  data:\n    - secretKey: password\n      remoteRef: {{key: apps/{namespace}, property: password}}\n"
        );
    } else {
        header(
            out,
            &format!("{wrapper}/templates/networkpolicy.yaml"),
            "networking.k8s.io/v1",
            "NetworkPolicy",
            &format!("allow-{i}"),
            namespace,
            wrapper,
        );
        let _ = write!(
            out,
            "spec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels: {{kubernetes.io/metadata.name: ingress}}\n"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let a = platform(250, 7);
        let b = platform(250, 7);
        assert_eq!(a.iter().map(|f| &f.text).collect::<Vec<_>>(), b.iter().map(|f| &f.text).collect::<Vec<_>>());
        assert_eq!(a.len(), 3);
        let docs: usize =
            a.iter().map(|f| f.text.matches("\n---\n").count() + usize::from(f.text.starts_with("---\n"))).sum();
        assert_eq!(docs, 250);
        // Every document is valid YAML.
        for f in &a {
            for doc in serde_yaml::Deserializer::from_str(&f.text) {
                let value: serde_json::Value = serde::Deserialize::deserialize(doc).expect("valid YAML");
                assert!(value.get("kind").is_some());
            }
        }
        assert_ne!(platform(250, 8)[0].text, a[0].text, "the seed matters");
    }
}
