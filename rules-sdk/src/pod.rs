//! Typed views of pod specs and containers, for every pod-bearing kind.
//!
//! # Examples
//!
//! ```
//! use rules_sdk::pod::{ContainerRole, PodSpec};
//! let cronjob = rules_sdk::Object {
//!     index: 0,
//!     api_version: "batch/v1".into(),
//!     kind: "CronJob".into(),
//!     namespace: None,
//!     name: "backup".into(),
//!     labels: Default::default(),
//!     annotations: Default::default(),
//!     provenance: Default::default(),
//!     runs: Vec::new(),
//!     body: serde_json::json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {
//!         "initContainers": [{"name": "wait", "image": "busybox"}],
//!         "containers": [{"name": "dump", "image": "postgres:16", "command": ["pg_dump", "-h", "db"]}]
//!     }}}}}}),
//! };
//! let pod = PodSpec::of(&cronjob).unwrap();
//! let dump = &pod.main_containers()[0];
//! assert_eq!(dump.role, ContainerRole::Main);
//! assert_eq!(dump.command_line(), "pg_dump -h db");
//! assert_eq!(dump.field("command"), "spec.jobTemplate.spec.template.spec.containers[0].command");
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use crate::image::Image;
use crate::object::Object;
use crate::object::pointer;

/// The pod spec of a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
/// ReplicationController, Job or CronJob.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// object.body = serde_json::json!({"spec": {"template": {
///     "metadata": {"labels": {"app": "web"}},
///     "spec": {"containers": [{"name": "web", "image": "nginx"}]}
/// }}});
/// let pod = object.pod_spec().unwrap();
/// assert_eq!(pod.path, "spec.template.spec");
/// assert_eq!(pod.spec["containers"][0]["name"], "web");
/// assert_eq!(pod.metadata.unwrap()["labels"]["app"], "web");
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// use rules_sdk::PodSpec;
    /// object.kind = "Pod".into();
    /// object.body = serde_json::json!({"spec": {"containers": []}});
    /// assert_eq!(PodSpec::of(&object).unwrap().path, "spec");
    /// object.kind = "Service".into();
    /// assert!(PodSpec::of(&object).is_none());
    /// ```
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
        let spec = pointer(&object.body, spec).filter(|v| v.is_object())?;
        Some(PodSpec { spec, metadata: pointer(&object.body, meta), path })
    }

    /// Init containers first, then containers, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "containers": [{"name": "web"}, {"name": "metrics"}],
    ///     "initContainers": [{"name": "migrate"}]
    /// }}}});
    /// let pod = object.pod_spec().unwrap();
    /// let paths: Vec<String> = pod.containers().into_iter().map(|c| c.path).collect();
    /// assert_eq!(paths, [
    ///     "spec.template.spec.initContainers[0]",
    ///     "spec.template.spec.containers[0]",
    ///     "spec.template.spec.containers[1]",
    /// ]);
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "containers": [{"name": "web"}],
    ///     "initContainers": [{"name": "migrate"}]
    /// }}}});
    /// let main = object.pod_spec().unwrap().main_containers();
    /// assert_eq!(main.iter().map(|c| c.name).collect::<Vec<_>>(), ["web"]);
    /// ```
    pub fn main_containers(&self) -> Vec<Container<'a>> {
        self.containers().into_iter().filter(|c| c.role == ContainerRole::Main).collect()
    }

    /// The pod template's labels (what a Service selector matches).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {
    ///     "metadata": {"labels": {"app": "web", "tier": "frontend"}},
    ///     "spec": {"containers": []}
    /// }}});
    /// let labels = object.pod_spec().unwrap().labels();
    /// assert_eq!(labels.get("app").map(String::as_str), Some("web"));
    /// assert_eq!(labels.len(), 2);
    /// ```
    pub fn labels(&self) -> BTreeMap<String, String> {
        let Some(Value::Object(map)) = self.metadata.and_then(|m| m.get("labels")) else {
            return BTreeMap::new();
        };
        map.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect()
    }

    /// The pod-level `securityContext`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "securityContext": {"runAsNonRoot": true, "fsGroup": 1000},
    ///     "containers": []
    /// }}}});
    /// let context = object.pod_spec().unwrap().security_context().unwrap();
    /// assert_eq!(context["fsGroup"], 1000);
    /// ```
    pub fn security_context(&self) -> Option<&'a Value> {
        self.spec.get("securityContext")
    }

    /// Does the pod use the node's network namespace (`hostNetwork`)?
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "hostNetwork": true, "containers": []
    /// }}}});
    /// assert!(object.pod_spec().unwrap().host_network());
    /// object.body["spec"]["template"]["spec"]["hostNetwork"] = false.into();
    /// assert!(!object.pod_spec().unwrap().host_network());
    /// ```
    pub fn host_network(&self) -> bool {
        self.spec.get("hostNetwork").and_then(Value::as_bool).unwrap_or(false)
    }

    /// Does the pod share the node's process namespace (`hostPID`)?
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "hostPID": true, "containers": []
    /// }}}});
    /// assert!(object.pod_spec().unwrap().host_pid());
    /// object.body["spec"]["template"]["spec"] = serde_json::json!({"containers": []});
    /// assert!(!object.pod_spec().unwrap().host_pid(), "false when unset");
    /// ```
    pub fn host_pid(&self) -> bool {
        self.spec.get("hostPID").and_then(Value::as_bool).unwrap_or(false)
    }

    /// `(volume name, host path)` of every hostPath volume.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "volumes": [
    ///         {"name": "logs", "hostPath": {"path": "/var/log/pods"}},
    ///         {"name": "tmp", "emptyDir": {}}
    ///     ],
    ///     "containers": []
    /// }}}});
    /// assert_eq!(object.pod_spec().unwrap().host_paths(), [("logs", "/var/log/pods")]);
    /// ```
    pub fn host_paths(&self) -> Vec<(&'a str, &'a str)> {
        self.volumes()
            .filter_map(|v| Some((v.get("name")?.as_str()?, pointer(v, "/hostPath/path")?.as_str()?)))
            .collect()
    }

    /// Claim names of every persistentVolumeClaim volume.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "volumes": [
    ///         {"name": "data", "persistentVolumeClaim": {"claimName": "db-data"}},
    ///         {"name": "tmp", "emptyDir": {}}
    ///     ],
    ///     "containers": []
    /// }}}});
    /// assert_eq!(object.pod_spec().unwrap().claim_names(), ["db-data"]);
    /// ```
    pub fn claim_names(&self) -> Vec<&'a str> {
        self.volumes().filter_map(|v| pointer(v, "/persistentVolumeClaim/claimName")?.as_str()).collect()
    }

    /// Names of the ConfigMaps and Secrets mounted as volumes (including
    /// projected sources), in volume order.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "volumes": [
    ///         {"name": "config", "configMap": {"name": "web-config"}},
    ///         {"name": "tls", "secret": {"secretName": "web-tls"}},
    ///         {"name": "all", "projected": {"sources": [{"secret": {"name": "web-env"}}]}},
    ///         {"name": "tmp", "emptyDir": {}}
    ///     ],
    ///     "containers": []
    /// }}}});
    /// assert_eq!(object.pod_spec().unwrap().config_volume_names(), ["web-config", "web-tls", "web-env"]);
    /// ```
    pub fn config_volume_names(&self) -> Vec<&'a str> {
        let mut names = Vec::new();
        for v in self.volumes() {
            names.extend(pointer(v, "/configMap/name").and_then(Value::as_str));
            names.extend(pointer(v, "/secret/secretName").and_then(Value::as_str));
            for source in pointer(v, "/projected/sources").and_then(Value::as_array).into_iter().flatten() {
                names.extend(pointer(source, "/configMap/name").and_then(Value::as_str));
                names.extend(pointer(source, "/secret/name").and_then(Value::as_str));
            }
        }
        names
    }

    /// The service account the pods run as.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "serviceAccountName": "web", "containers": []
    /// }}}});
    /// assert_eq!(object.pod_spec().unwrap().service_account(), Some("web"));
    /// object.body["spec"]["template"]["spec"] = serde_json::json!({"serviceAccount": "legacy", "containers": []});
    /// assert_eq!(object.pod_spec().unwrap().service_account(), Some("legacy"));
    /// ```
    pub fn service_account(&self) -> Option<&'a str> {
        self.spec.get("serviceAccountName").or_else(|| self.spec.get("serviceAccount")).and_then(Value::as_str)
    }

    fn volumes(&self) -> impl Iterator<Item = &'a Value> {
        self.spec.get("volumes").and_then(Value::as_array).into_iter().flatten()
    }
}

/// Whether a container runs before the pod starts or with it.
///
/// # Examples
///
/// ```
/// use rules_sdk::ContainerRole;
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Pod".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// object.body = serde_json::json!({"spec": {
///     "initContainers": [{"name": "chown", "image": "busybox"}],
///     "containers": [{"name": "db", "image": "mongo:7"}]
/// }});
/// let roles: Vec<ContainerRole> = object.containers().iter().map(|c| c.role).collect();
/// assert_eq!(roles, [ContainerRole::Init, ContainerRole::Main]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRole {
    /// An entry of `initContainers`: runs to completion before the pod starts.
    Init,
    /// An entry of `containers`: runs for the pod's life.
    Main,
}

/// One container or initContainer, from [`PodSpec::containers`] or
/// [`Object::containers`].
///
/// # Examples
///
/// ```
/// use rules_sdk::ContainerRole;
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "StatefulSet".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// object.body = serde_json::json!({"spec": {"template": {"spec": {
///     "containers": [{
///         "name": "db",
///         "image": "bitnami/mongodb:8.0",
///         "env": [{"name": "MONGODB_REPLICA_SET_MODE", "value": "primary"}]
///     }]
/// }}}});
/// let db = &object.containers()[0];
/// assert_eq!((db.name, db.role, db.index), ("db", ContainerRole::Main, 0));
/// assert!(db.image.matches("bitnami/mongodb"));
/// assert_eq!(db.path, "spec.template.spec.containers[0]");
/// assert_eq!(db.body["env"][0]["value"], "primary");
/// ```
#[derive(Debug, Clone)]
pub struct Container<'a> {
    /// The container's `name` (empty if missing).
    pub name: &'a str,
    /// The parsed `image` (of an empty reference if missing).
    pub image: Image,
    /// Init or main container.
    pub role: ContainerRole,
    /// Position within `containers` or `initContainers`.
    pub index: usize,
    /// Dotted path, e.g. `spec.template.spec.initContainers[0]`.
    pub path: String,
    /// The container's whole JSON object.
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
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "initContainers": [{"name": "chown", "image": "busybox"}],
    ///     "containers": []
    /// }}}});
    /// let chown = &object.containers()[0];
    /// assert_eq!(chown.field("image"), "spec.template.spec.initContainers[0].image");
    /// assert_eq!(chown.field("securityContext.runAsUser"), format!("{}.securityContext.runAsUser", chown.path));
    /// ```
    pub fn field(&self, name: &str) -> String {
        format!("{}.{}", self.path, name)
    }

    /// `command` and `args` as one shell-quoted line: one string to match
    /// shell against. An argument holding spaces or shell syntax is quoted, so
    /// `sh -c "<script>"` keeps its script as one word (see [`crate::shell`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "containers": [{"name": "init", "command": ["sh", "-c"], "args": ["mc mb local/uploads && echo done"]}]
    /// }}}});
    /// let line = object.containers()[0].command_line();
    /// assert_eq!(line, "sh -c 'mc mb local/uploads && echo done'");
    /// assert!(rules_sdk::shell::invokes(&line, "mc", &["mb"]));
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "containers": [
    ///         {"name": "vault", "lifecycle": {"postStart": {"exec": {
    ///             "command": ["sh", "-c", "vault operator init"]
    ///         }}}},
    ///         {"name": "web"}
    ///     ]
    /// }}}});
    /// let containers = object.containers();
    /// assert_eq!(containers[0].post_start_command_line().as_deref(), Some("sh -c 'vault operator init'"));
    /// assert_eq!(containers[1].post_start_command_line(), None);
    /// ```
    pub fn post_start_command_line(&self) -> Option<String> {
        let argv = pointer(self.body, "/lifecycle/postStart/exec/command")?.as_array()?;
        Some(argv.iter().filter_map(Value::as_str).map(crate::shell::quote).collect::<Vec<_>>().join(" "))
    }

    /// A literal `env` value by name (`valueFrom` entries have none).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "containers": [{"name": "db", "env": [
    ///         {"name": "POSTGRES_USER", "value": "app"},
    ///         {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}
    ///     ]}]
    /// }}}});
    /// let db = &object.containers()[0];
    /// assert_eq!(db.env("POSTGRES_USER"), Some("app"));
    /// assert_eq!(db.env("POSTGRES_PASSWORD"), None);
    /// assert_eq!(db.env("PGDATA"), None);
    /// ```
    pub fn env(&self, name: &str) -> Option<&'a str> {
        self.env_entries().find(|e| e.get("name").and_then(Value::as_str) == Some(name))?.get("value")?.as_str()
    }

    /// Names of every `env` entry.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "containers": [{"name": "db", "env": [
    ///         {"name": "POSTGRES_USER", "value": "app"},
    ///         {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}
    ///     ]}]
    /// }}}});
    /// assert_eq!(object.containers()[0].env_names(), ["POSTGRES_USER", "POSTGRES_PASSWORD"]);
    /// ```
    pub fn env_names(&self) -> Vec<&'a str> {
        self.env_entries().filter_map(|e| e.get("name")?.as_str()).collect()
    }

    fn env_entries(&self) -> impl Iterator<Item = &'a Value> {
        self.body.get("env").and_then(Value::as_array).into_iter().flatten()
    }

    /// The container's own `securityContext`.
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "securityContext": {"runAsUser": 1000},
    ///     "containers": [{"name": "web", "securityContext": {"readOnlyRootFilesystem": true}}]
    /// }}}});
    /// let context = object.containers()[0].security_context().unwrap();
    /// assert_eq!(context["readOnlyRootFilesystem"], true);
    /// assert!(context.get("runAsUser").is_none(), "the pod's context is not merged in");
    /// ```
    pub fn security_context(&self) -> Option<&'a Value> {
        self.body.get("securityContext")
    }

    fn effective(&self, key: &str) -> Option<&'a Value> {
        self.security_context()
            .and_then(|s| s.get(key))
            .or_else(|| self.pod.security_context().and_then(|s| s.get(key)))
    }

    /// Effective `runAsUser` (container over pod).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "securityContext": {"runAsUser": 1000},
    ///     "initContainers": [{"name": "chown", "securityContext": {"runAsUser": 0}}],
    ///     "containers": [{"name": "web"}]
    /// }}}});
    /// let containers = object.containers();
    /// assert_eq!(containers[0].run_as_user(), Some(0));
    /// assert_eq!(containers[1].run_as_user(), Some(1000), "inherited from the pod");
    /// ```
    pub fn run_as_user(&self) -> Option<i64> {
        self.effective("runAsUser").and_then(Value::as_i64)
    }

    /// Effective `runAsNonRoot` (container over pod).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "securityContext": {"runAsNonRoot": true},
    ///     "containers": [{"name": "web"}, {"name": "debug", "securityContext": {"runAsNonRoot": false}}]
    /// }}}});
    /// let containers = object.containers();
    /// assert!(containers[0].run_as_non_root());
    /// assert!(!containers[1].run_as_non_root());
    /// ```
    pub fn run_as_non_root(&self) -> bool {
        self.effective("runAsNonRoot").and_then(Value::as_bool).unwrap_or(false)
    }

    /// Runs as root: `runAsUser: 0`, or no `runAsUser` and no `runAsNonRoot`
    /// (the image's user, root for most datastore images).
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "securityContext": {"runAsNonRoot": true},
    ///     "initContainers": [{"name": "chown", "securityContext": {"runAsUser": 0}}],
    ///     "containers": [{"name": "web"}]
    /// }}}});
    /// let containers = object.containers();
    /// assert!(containers[0].runs_as_root(), "runAsUser 0 beats the pod's runAsNonRoot");
    /// assert!(!containers[1].runs_as_root());
    /// object.body["spec"]["template"]["spec"] = serde_json::json!({"containers": [{"name": "db"}]});
    /// assert!(object.containers()[0].runs_as_root(), "no runAsUser, no runAsNonRoot: the image's user");
    /// ```
    pub fn runs_as_root(&self) -> bool {
        match self.run_as_user() {
            Some(uid) => uid == 0,
            None => !self.run_as_non_root(),
        }
    }

    /// Is the container `privileged` (its own `securityContext`; false when unset)?
    ///
    /// # Examples
    ///
    /// ```
    /// # let mut object = rules_sdk::Object {
    /// #     index: 0, api_version: "v1".into(), kind: "Deployment".into(), namespace: None, name: "c".into(),
    /// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
    /// #     runs: Vec::new(),
    /// #     body: serde_json::json!({}),
    /// # };
    /// object.body = serde_json::json!({"spec": {"template": {"spec": {
    ///     "containers": [{"name": "dind", "securityContext": {"privileged": true}}, {"name": "web"}]
    /// }}}});
    /// let containers = object.containers();
    /// assert!(containers[0].privileged());
    /// assert!(!containers[1].privileged());
    /// ```
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
            runs: Vec::new(),
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
