//! Typed views of pod specs and containers, for every pod-bearing kind.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::image::Image;
use crate::object::Object;

/// The pod spec of a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
/// ReplicationController, Job or CronJob.
#[derive(Debug, Clone, Copy)]
pub struct PodSpec<'a> {
    /// The `spec` object of the pod (template).
    pub spec: &'a Value,
    /// The pod template's metadata (the object's own metadata for a Pod).
    pub metadata: Option<&'a Value>,
    /// Dotted path of `spec`, e.g. `spec.template.spec`.
    pub path: &'static str,
}

impl<'a> PodSpec<'a> {
    /// The pod spec of `object`, if its kind carries one.
    pub fn of(object: &'a Object) -> Option<PodSpec<'a>> {
        let (spec, meta, path) = match object.kind.as_str() {
            "Pod" => ("/spec", "/metadata", "spec"),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Job" => {
                ("/spec/template/spec", "/spec/template/metadata", "spec.template.spec")
            }
            "CronJob" => (
                "/spec/jobTemplate/spec/template/spec",
                "/spec/jobTemplate/spec/template/metadata",
                "spec.jobTemplate.spec.template.spec",
            ),
            _ => return None,
        };
        let spec = object.body.pointer(spec).filter(|v| v.is_object())?;
        Some(PodSpec { spec, metadata: object.body.pointer(meta), path })
    }

    /// Init containers first, then containers, in order.
    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for (key, role) in [("initContainers", ContainerRole::Init), ("containers", ContainerRole::Main)] {
            if let Some(Value::Array(items)) = self.spec.get(key) {
                for (index, body) in items.iter().enumerate() {
                    out.push(Container::new(body, role, index, format!("{}.{}[{}]", self.path, key, index), *self));
                }
            }
        }
        out
    }

    /// Containers that are not init containers.
    pub fn main_containers(&self) -> Vec<Container<'a>> {
        self.containers().into_iter().filter(|c| c.role == ContainerRole::Main).collect()
    }

    /// The pod template's labels (what a Service selector matches).
    pub fn labels(&self) -> BTreeMap<String, String> {
        let Some(Value::Object(map)) = self.metadata.and_then(|m| m.get("labels")) else {
            return BTreeMap::new();
        };
        map.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect()
    }

    /// The pod-level `securityContext`.
    pub fn security_context(&self) -> Option<&'a Value> {
        self.spec.get("securityContext")
    }

    pub fn host_network(&self) -> bool {
        self.spec.get("hostNetwork").and_then(Value::as_bool).unwrap_or(false)
    }

    pub fn host_pid(&self) -> bool {
        self.spec.get("hostPID").and_then(Value::as_bool).unwrap_or(false)
    }

    /// `(volume name, host path)` of every hostPath volume.
    pub fn host_paths(&self) -> Vec<(&'a str, &'a str)> {
        self.volumes()
            .filter_map(|v| Some((v.get("name")?.as_str()?, v.pointer("/hostPath/path")?.as_str()?)))
            .collect()
    }

    /// Claim names of every persistentVolumeClaim volume.
    pub fn claim_names(&self) -> Vec<&'a str> {
        self.volumes().filter_map(|v| v.pointer("/persistentVolumeClaim/claimName")?.as_str()).collect()
    }

    /// Names of the ConfigMaps and Secrets mounted as volumes (including
    /// projected sources), in volume order.
    pub fn config_volume_names(&self) -> Vec<&'a str> {
        let mut names = Vec::new();
        for v in self.volumes() {
            names.extend(v.pointer("/configMap/name").and_then(Value::as_str));
            names.extend(v.pointer("/secret/secretName").and_then(Value::as_str));
            for source in v.pointer("/projected/sources").and_then(Value::as_array).into_iter().flatten() {
                names.extend(source.pointer("/configMap/name").and_then(Value::as_str));
                names.extend(source.pointer("/secret/name").and_then(Value::as_str));
            }
        }
        names
    }

    /// The service account the pods run as.
    pub fn service_account(&self) -> Option<&'a str> {
        self.spec.get("serviceAccountName").or_else(|| self.spec.get("serviceAccount")).and_then(Value::as_str)
    }

    fn volumes(&self) -> impl Iterator<Item = &'a Value> {
        self.spec.get("volumes").and_then(Value::as_array).into_iter().flatten()
    }
}

/// Whether a container runs before the pod starts or with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRole {
    Init,
    Main,
}

/// One container or initContainer.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    pub name: &'a str,
    pub image: Image,
    pub role: ContainerRole,
    /// Position within `containers` or `initContainers`.
    pub index: usize,
    /// Dotted path, e.g. `spec.template.spec.initContainers[0]`.
    pub path: String,
    pub body: &'a Value,
    pod: PodSpec<'a>,
}

impl<'a> Container<'a> {
    fn new(body: &'a Value, role: ContainerRole, index: usize, path: String, pod: PodSpec<'a>) -> Self {
        Container {
            name: body.get("name").and_then(Value::as_str).unwrap_or(""),
            image: Image::parse(body.get("image").and_then(Value::as_str).unwrap_or("")),
            role,
            index,
            path,
            body,
            pod,
        }
    }

    /// The dotted path of one of this container's fields.
    pub fn field(&self, name: &str) -> String {
        format!("{}.{}", self.path, name)
    }

    /// `command` and `args` as one shell-quoted line: one string to match
    /// shell against. An argument holding spaces or shell syntax is quoted, so
    /// `sh -c "<script>"` keeps its script as one word (see [`crate::shell`]).
    pub fn command_line(&self) -> String {
        let mut words = Vec::new();
        for key in ["command", "args"] {
            match self.body.get(key) {
                Some(Value::Array(items)) => words.extend(items.iter().map(|w| match w {
                    Value::String(s) => crate::shell::quote(s),
                    other => other.to_string(),
                })),
                Some(Value::String(s)) => words.push(crate::shell::quote(s)),
                _ => {}
            }
        }
        words.join(" ")
    }

    /// The shell-quoted command of the `postStart` exec hook, if any.
    pub fn post_start_command_line(&self) -> Option<String> {
        let argv = self.body.pointer("/lifecycle/postStart/exec/command")?.as_array()?;
        Some(argv.iter().filter_map(Value::as_str).map(crate::shell::quote).collect::<Vec<_>>().join(" "))
    }

    /// A literal `env` value by name (`valueFrom` entries have none).
    pub fn env(&self, name: &str) -> Option<&'a str> {
        self.env_entries().find(|e| e.get("name").and_then(Value::as_str) == Some(name))?.get("value")?.as_str()
    }

    /// Names of every `env` entry.
    pub fn env_names(&self) -> Vec<&'a str> {
        self.env_entries().filter_map(|e| e.get("name")?.as_str()).collect()
    }

    fn env_entries(&self) -> impl Iterator<Item = &'a Value> {
        self.body.get("env").and_then(Value::as_array).into_iter().flatten()
    }

    /// The container's own `securityContext`.
    pub fn security_context(&self) -> Option<&'a Value> {
        self.body.get("securityContext")
    }

    fn effective(&self, key: &str) -> Option<&'a Value> {
        self.security_context()
            .and_then(|s| s.get(key))
            .or_else(|| self.pod.security_context().and_then(|s| s.get(key)))
    }

    /// Effective `runAsUser` (container over pod).
    pub fn run_as_user(&self) -> Option<i64> {
        self.effective("runAsUser").and_then(Value::as_i64)
    }

    /// Effective `runAsNonRoot` (container over pod).
    pub fn run_as_non_root(&self) -> bool {
        self.effective("runAsNonRoot").and_then(Value::as_bool).unwrap_or(false)
    }

    /// Runs as root: `runAsUser: 0`, or no `runAsUser` and no `runAsNonRoot`
    /// (the image's user, root for most datastore images).
    pub fn runs_as_root(&self) -> bool {
        match self.run_as_user() {
            Some(uid) => uid == 0,
            None => !self.run_as_non_root(),
        }
    }

    pub fn privileged(&self) -> bool {
        self.security_context().and_then(|s| s.get("privileged")).and_then(Value::as_bool).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Provenance;

    fn object(kind: &str, body: Value) -> Object {
        Object {
            index: 0,
            api_version: "apps/v1".into(),
            kind: kind.into(),
            namespace: None,
            name: "x".into(),
            labels: Default::default(),
            annotations: Default::default(),
            provenance: Provenance::default(),
            body,
        }
    }

    #[test]
    fn pod_spec_of_every_pod_bearing_kind() {
        let pod = serde_json::json!({"containers": [{"name": "c", "image": "busybox"}]});
        let cases = [
            ("Pod", serde_json::json!({"spec": pod}), "spec.containers[0]"),
            (
                "Deployment",
                serde_json::json!({"spec": {"template": {"spec": pod}}}),
                "spec.template.spec.containers[0]",
            ),
            (
                "StatefulSet",
                serde_json::json!({"spec": {"template": {"spec": pod}}}),
                "spec.template.spec.containers[0]",
            ),
            ("DaemonSet", serde_json::json!({"spec": {"template": {"spec": pod}}}), "spec.template.spec.containers[0]"),
            (
                "ReplicaSet",
                serde_json::json!({"spec": {"template": {"spec": pod}}}),
                "spec.template.spec.containers[0]",
            ),
            (
                "ReplicationController",
                serde_json::json!({"spec": {"template": {"spec": pod}}}),
                "spec.template.spec.containers[0]",
            ),
            ("Job", serde_json::json!({"spec": {"template": {"spec": pod}}}), "spec.template.spec.containers[0]"),
            (
                "CronJob",
                serde_json::json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": pod}}}}}),
                "spec.jobTemplate.spec.template.spec.containers[0]",
            ),
        ];
        for (kind, body, path) in cases {
            let o = object(kind, body);
            let containers = o.containers();
            assert_eq!(containers.len(), 1, "{kind}");
            assert_eq!(containers[0].path, path);
            assert_eq!(containers[0].image.path, "busybox");
        }
        assert!(object("Service", serde_json::json!({"spec": {}})).pod_spec().is_none());
    }

    #[test]
    fn containers_commands_and_security() {
        let o = object(
            "StatefulSet",
            serde_json::json!({"spec": {"template": {
            "metadata": {"labels": {"app": "db"}},
            "spec": {
                "securityContext": {"runAsNonRoot": true},
                "volumes": [{"name": "h", "hostPath": {"path": "/var/log/pods"}}, {"name": "d", "persistentVolumeClaim": {"claimName": "data"}}],
                "initContainers": [{"name": "fix", "image": "busybox", "command": ["sh", "-c"], "args": ["chown -R 999:999 /data"], "securityContext": {"runAsUser": 0}}],
                "containers": [{"name": "db", "image": "mongo:7", "env": [{"name": "A", "value": "1"}, {"name": "B", "valueFrom": {}}]}]
            }}}}),
        );
        let pod = o.pod_spec().unwrap();
        assert_eq!(pod.labels().get("app").map(String::as_str), Some("db"));
        assert_eq!(pod.host_paths(), vec![("h", "/var/log/pods")]);
        assert_eq!(pod.claim_names(), vec!["data"]);
        assert_eq!(pod.config_volume_names(), Vec::<&str>::new());
        let cs = o.containers();
        assert_eq!(cs[0].role, ContainerRole::Init);
        assert_eq!(cs[0].command_line(), "sh -c 'chown -R 999:999 /data'");
        assert!(cs[0].runs_as_root(), "explicit runAsUser 0 beats the pod's runAsNonRoot");
        assert!(!cs[1].runs_as_root(), "pod-level runAsNonRoot applies");
        assert_eq!(cs[1].env("A"), Some("1"));
        assert_eq!(cs[1].env("B"), None);
        assert_eq!(cs[1].env_names(), vec!["A", "B"]);
        assert_eq!(cs[1].field("image"), "spec.template.spec.containers[0].image");
        assert_eq!(pod.main_containers().len(), 1);
    }
}
