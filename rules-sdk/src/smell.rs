//! The two smells most rules look for, as reusable checks:
//!
//! - a **hand-written workload** of a component's images ([`local_workload`],
//!   [`report_workload`]);
//! - a **bootstrap script**: shell in a Job, CronJob, bare Pod, initContainer
//!   or `postStart` hook running a command a controller, CRD or chart value
//!   owns ([`Cmd`], [`find_script`], [`report_script`]).
//!
//! Both only ever look at locally written objects ([`crate::Origin::is_local`]):
//! upstream hook Jobs (Temporal schema, MinIO make-bucket, ...) are rendered by
//! upstream and never match.
//!
//! # Examples
//!
//! ```
//! use rules_sdk::smell::{Cmd, find_script, local_workload};
//! let object = |kind: &str, body| rules_sdk::Object {
//!     index: 0,
//!     api_version: "v1".into(),
//!     kind: kind.into(),
//!     namespace: None,
//!     name: "x".into(),
//!     labels: Default::default(),
//!     annotations: Default::default(),
//!     provenance: Default::default(),
//!     runs: Vec::new(),
//!     body,
//! };
//! let sts = object("StatefulSet", serde_json::json!({"spec": {"template": {"spec": {
//!     "containers": [{"name": "db", "image": "bitnami/mongodb:8.0"}]
//! }}}}));
//! assert_eq!(local_workload(&sts, &["bitnami/mongodb"]).unwrap().name, "db");
//!
//! let job = object("Job", serde_json::json!({"spec": {"template": {"spec": {
//!     "containers": [{"name": "init", "image": "openbao/openbao", "command": ["sh", "-c", "bao operator init"]}]
//! }}}}));
//! let init = Cmd::new(&["bao", "vault"], &["operator", "init"], "bao operator init");
//! let (script, cmd) = find_script(&job, &[init]).unwrap();
//! assert_eq!((script.place, cmd.what), ("Job container", "bao operator init"));
//! ```

use crate::object::Object;
use crate::pod::{Container, ContainerRole};
use crate::rule::Report;
use crate::shell;

/// Kinds that run continuously (a Job is a script, not a reinvented service).
///
/// # Examples
///
/// ```
/// use rules_sdk::smell::LONG_RUNNING_KINDS;
/// assert!(LONG_RUNNING_KINDS.contains(&"StatefulSet"));
/// assert!(!LONG_RUNNING_KINDS.contains(&"Job"));
/// ```
pub const LONG_RUNNING_KINDS: &[&str] =
    &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"];

/// The first main container of a locally written, long-running workload whose
/// image matches one of `images`.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Job".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::smell::local_workload;
/// object.kind = "StatefulSet".into();
/// object.body = serde_json::json!({"spec": {"template": {"spec": {
///     "containers": [{"name": "cache", "image": "mirror.local/dockerhub/library/redis:7"}]
/// }}}});
/// let cache = local_workload(&object, &["redis", "bitnami/redis"]).unwrap();
/// assert_eq!(cache.field("image"), "spec.template.spec.containers[0].image");
/// // Rendered by an upstream chart: not a reinvention.
/// object.provenance.template = Some("platform/charts/redis/templates/master.yaml".into());
/// assert!(local_workload(&object, &["redis"]).is_none());
/// ```
pub fn local_workload<'a>(object: &'a Object, images: &[&str]) -> Option<Container<'a>> {
    if !object.origin().is_local() || !LONG_RUNNING_KINDS.contains(&object.kind.as_str()) {
        return None;
    }
    // Most local workloads run none of `images`: ask the remembered images first.
    let runs = crate::memo::with_images(object, |found| {
        found.iter().any(|(role, image)| *role == ContainerRole::Main && image.matches_any(images))
    });
    if !runs {
        return None;
    }
    object.pod_spec()?.main_containers().into_iter().find(|c| c.image.matches_any(images))
}

/// Flag a locally written workload running `what` (one of `images`). Returns
/// whether it flagged.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Job".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::{Meta, Report, smell::report_workload};
/// object.kind = "StatefulSet".into();
/// object.body = serde_json::json!({"spec": {"template": {"spec": {
///     "containers": [{"name": "cache", "image": "mirror.local/dockerhub/library/redis:7"}]
/// }}}});
/// let mut report = Report::new(Meta { id: "demo-raw-redis", ..Meta::DEFAULT });
/// assert!(report_workload(&object, &mut report, &["redis"], "Redis"));
/// assert!(!report_workload(&object, &mut report, &["valkey/valkey"], "Valkey"));
/// let finding = &report.findings()[0];
/// let expected = "StatefulSet c runs Redis (mirror.local/dockerhub/library/redis:7) in hand-written YAML";
/// assert_eq!(finding.message, expected);
/// assert_eq!(finding.path.as_deref(), Some("spec.template.spec.containers[0].image"));
/// ```
pub fn report_workload(object: &Object, report: &mut Report, images: &[&str], what: &str) -> bool {
    let Some(container) = local_workload(object, images) else { return false };
    report
        .flag(object, format!("{} runs {what} ({}) {}", object.display(), container.image, object.origin().describe()))
        .at(container.field("image"));
    true
}

/// A command a provider reconciles natively, e.g. `rpk topic create`.
///
/// # Examples
///
/// ```
/// use rules_sdk::smell::Cmd;
/// const CREATE_DATABASE: Cmd = Cmd {
///     programs: &["psql"],
///     words: &[],
///     contains: &["create database"],
///     what: "psql CREATE DATABASE",
/// };
/// assert!(CREATE_DATABASE.matches_line("sh -c 'psql -h db -c \"CREATE DATABASE temporal\"'"));
/// assert!(!CREATE_DATABASE.matches_line("psql -h db -c 'select 1'"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Cmd {
    /// Program names (basenames), any of: `&["bao", "vault"]`.
    pub programs: &'static [&'static str],
    /// Words that must follow the program in this order, not necessarily
    /// adjacent; `"a|b"` accepts either. `&["operator", "init|unseal"]`.
    pub words: &'static [&'static str],
    /// Case-insensitive substrings the simple command must also contain.
    pub contains: &'static [&'static str],
    /// How findings name it: `"bao operator init"`.
    pub what: &'static str,
}

impl Cmd {
    /// `program words…`: the common case.
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::smell::Cmd;
    /// const UNSEAL: Cmd = Cmd::new(&["bao", "vault"], &["operator", "unseal"], "bao operator unseal");
    /// assert!(UNSEAL.contains.is_empty());
    /// assert!(UNSEAL.matches_line("vault operator unseal $KEY"));
    /// ```
    pub const fn new(programs: &'static [&'static str], words: &'static [&'static str], what: &'static str) -> Cmd {
        Cmd { programs, words, contains: &[], what }
    }

    /// Does this simple command (program first) match?
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::{shell::simple_commands, smell::Cmd};
    /// let create = Cmd::new(&["rpk"], &["topic", "create|alter-config"], "rpk topic create");
    /// let words = |line| simple_commands(line).remove(0);
    /// assert!(create.matches(&words("/usr/bin/rpk -X brokers=x topic create orders")));
    /// assert!(create.matches(&words("rpk topic alter-config orders --set retention.ms=1")));
    /// assert!(!create.matches(&words("rpk topic list")));
    /// assert!(!create.matches(&words("echo rpk topic create")));
    /// ```
    pub fn matches(&self, words: &[String]) -> bool {
        let Some(start) = shell::program_index(words) else { return false };
        let program = words[start].rsplit('/').next().unwrap_or("");
        if !self.programs.contains(&program) {
            return false;
        }
        let mut rest = words[start + 1..].iter();
        for want in self.words {
            if !rest.any(|w| want.split('|').any(|alt| w == alt)) {
                return false;
            }
        }
        if self.contains.is_empty() {
            return true;
        }
        let text = words[start..].join(" ").to_ascii_lowercase();
        self.contains.iter().all(|c| text.contains(&c.to_ascii_lowercase()))
    }

    /// Does any simple command of `command_line` match?
    ///
    /// # Examples
    ///
    /// ```
    /// use rules_sdk::smell::Cmd;
    /// let create = Cmd::new(&["rpk"], &["topic", "create"], "rpk topic create");
    /// assert!(create.matches_line("for t in a b; do rpk topic create $t; done"));
    /// assert!(create.matches_line("sh -c 'rpk cluster health && rpk topic create orders'"));
    /// assert!(!create.matches_line("rpk topic list"));
    /// ```
    pub fn matches_line(&self, command_line: &str) -> bool {
        shell::simple_commands(command_line).iter().any(|words| self.matches(words))
    }
}

/// Where a script runs.
///
/// # Examples
///
/// ```
/// use rules_sdk::smell::scripts;
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Job".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// object.body = serde_json::json!({"spec": {"template": {"spec": {"containers": [{
///     "name": "topics",
///     "image": "redpandadata/redpanda:v24.1",
///     "command": ["sh", "-c", "rpk topic create orders -p 3 && rpk topic describe orders"]
/// }]}}}});
/// let script = &scripts(&object)[0];
/// assert_eq!(script.container.name, "topics");
/// assert_eq!(script.command_line, "sh -c 'rpk topic create orders -p 3 && rpk topic describe orders'");
/// assert_eq!(script.field, "spec.template.spec.containers[0].command");
/// assert_eq!(script.place, "Job container");
/// ```
#[derive(Debug, Clone)]
pub struct Script<'a> {
    /// The container the script is in.
    pub container: Container<'a>,
    /// The shell-quoted command line.
    pub command_line: String,
    /// Dotted path of the command (`…containers[0].command` or
    /// `…containers[0].lifecycle.postStart.exec.command`).
    pub field: String,
    /// `"Job container"`, `"init container"`, `"postStart hook"`.
    pub place: &'static str,
}

/// The scripts of a workload: every container of a Job, CronJob or bare Pod,
/// every initContainer, every `postStart` hook.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Job".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::smell::scripts;
/// object.kind = "Deployment".into();
/// object.body = serde_json::json!({"spec": {"template": {"spec": {
///     "initContainers": [{"name": "migrate", "command": ["./migrate", "up"]}],
///     "containers": [
///         {"name": "web", "command": ["./serve"]},
///         {"name": "vault", "lifecycle": {"postStart": {"exec": {"command": ["vault", "operator", "init"]}}}}
///     ]
/// }}}});
/// let found: Vec<(&str, String)> = scripts(&object).into_iter().map(|s| (s.place, s.command_line)).collect();
/// // A Deployment's main command is its service, not a script.
/// assert_eq!(found, [
///     ("init container", "./migrate up".to_string()),
///     ("postStart hook", "vault operator init".to_string()),
/// ]);
/// ```
pub fn scripts(object: &Object) -> Vec<Script<'_>> {
    let one_shot = matches!(object.kind.as_str(), "Job" | "CronJob" | "Pod");
    let mut out = Vec::new();
    for c in object.containers() {
        if let Some(line) = c.post_start_command_line() {
            out.push(Script {
                field: c.field("lifecycle.postStart.exec.command"),
                command_line: line,
                place: "postStart hook",
                container: c.clone(),
            });
        }
        let place = match (c.role, object.kind.as_str()) {
            (ContainerRole::Init, _) => "init container",
            (ContainerRole::Main, "Job") => "Job container",
            (ContainerRole::Main, "CronJob") => "CronJob container",
            (ContainerRole::Main, _) if one_shot => "Pod container",
            _ => continue,
        };
        let field = c.field(if c.body.get("command").is_some() { "command" } else { "args" });
        out.push(Script { command_line: c.command_line(), field, place, container: c });
    }
    out
}

/// `"<Kind ns/name> <place> \"<container>\" <what> <origin>"`: how findings
/// about a script read.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Job".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::smell::{script_message, scripts};
/// object.body = serde_json::json!({"spec": {"template": {"spec": {"containers": [{
///     "name": "topics",
///     "image": "redpandadata/redpanda:v24.1",
///     "command": ["sh", "-c", "rpk topic create orders -p 3 && rpk topic describe orders"]
/// }]}}}});
/// let script = &scripts(&object)[0];
/// assert_eq!(
///     script_message(&object, script, "creates Kafka topics"),
///     "Job c Job container \"topics\" creates Kafka topics in hand-written YAML",
/// );
/// ```
pub fn script_message(object: &Object, script: &Script<'_>, what: &str) -> String {
    format!("{} {} {:?} {what} {}", object.display(), script.place, script.container.name, object.origin().describe())
}

/// The first script of a locally written object for which `detect` says
/// something (what it found, e.g. the statement or API call).
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Job".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::smell::find_script_by;
/// object.body = serde_json::json!({"spec": {"template": {"spec": {"containers": [{
///     "name": "topics",
///     "image": "redpandadata/redpanda:v24.1",
///     "command": ["sh", "-c", "rpk topic create orders -p 3 && rpk topic describe orders"]
/// }]}}}});
/// let topic = |line: &str| line.split_whitespace().skip_while(|w| *w != "create").nth(1).map(str::to_string);
/// let (script, name) = find_script_by(&object, topic).unwrap();
/// assert_eq!((script.container.name, name.as_str()), ("topics", "orders"));
/// assert!(find_script_by(&object, |line| line.find("psql")).is_none());
/// ```
pub fn find_script_by<'a, T>(object: &'a Object, detect: impl Fn(&str) -> Option<T>) -> Option<(Script<'a>, T)> {
    if !object.origin().is_local() {
        return None;
    }
    scripts(object).into_iter().find_map(|s| detect(&s.command_line).map(|t| (s, t)))
}

/// The first script of a locally written object running one of `cmds`.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Job".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::smell::{Cmd, find_script};
/// object.body = serde_json::json!({"spec": {"template": {"spec": {"containers": [{
///     "name": "topics",
///     "image": "redpandadata/redpanda:v24.1",
///     "command": ["sh", "-c", "rpk topic create orders -p 3 && rpk topic describe orders"]
/// }]}}}});
/// let cmds = [Cmd::new(&["rpk"], &["topic", "create"], "rpk topic create")];
/// let (script, cmd) = find_script(&object, &cmds).unwrap();
/// assert_eq!((script.place, cmd.what), ("Job container", "rpk topic create"));
/// // An upstream chart's hook Job is never a local bootstrap script.
/// object.provenance.template = Some("platform/charts/redpanda/templates/post-install-job.yaml".into());
/// assert!(find_script(&object, &cmds).is_none());
/// ```
pub fn find_script<'a>(object: &'a Object, cmds: &[Cmd]) -> Option<(Script<'a>, Cmd)> {
    if !object.origin().is_local() {
        return None;
    }
    scripts(object).into_iter().find_map(|s| cmds.iter().find(|c| c.matches_line(&s.command_line)).map(|c| (s, *c)))
}

/// Flag the first script of `object` running one of `cmds`. Returns whether
/// it flagged.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Job".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::{Meta, Report, smell::{Cmd, report_script}};
/// object.body = serde_json::json!({"spec": {"template": {"spec": {"containers": [{
///     "name": "topics",
///     "image": "redpandadata/redpanda:v24.1",
///     "command": ["sh", "-c", "rpk topic create orders -p 3 && rpk topic describe orders"]
/// }]}}}});
/// let mut report = Report::new(Meta { id: "demo-rpk-topics", ..Meta::DEFAULT });
/// assert!(report_script(&object, &mut report, &[Cmd::new(&["rpk"], &["topic", "create"], "rpk topic create")]));
/// let finding = &report.findings()[0];
/// assert_eq!(finding.message, "Job c Job container \"topics\" runs `rpk topic create` in hand-written YAML");
/// assert_eq!(finding.path.as_deref(), Some("spec.template.spec.containers[0].command"));
/// ```
pub fn report_script(object: &Object, report: &mut Report, cmds: &[Cmd]) -> bool {
    let Some((script, cmd)) = find_script(object, cmds) else { return false };
    let message = script_message(object, &script, &format!("runs `{}`", cmd.what));
    report.flag(object, message).at(script.field);
    true
}

/// A command and what to use instead of it.
///
/// # Examples
///
/// ```
/// use rules_sdk::smell::{Cmd, CmdTable};
/// const REDPANDA: &CmdTable = &[
///     (Cmd::new(&["rpk"], &["topic", "create"], "rpk topic create"), "a Topic CR"),
///     (Cmd::new(&["rpk"], &["acl", "user", "create"], "rpk acl user create"), "a User CR"),
/// ];
/// assert_eq!(REDPANDA[1].1, "a User CR");
/// ```
pub type CmdTable = [(Cmd, &'static str)];

/// Flag the first script of `object` running one of the commands of `table`,
/// with that command's own replacement. Returns whether it flagged.
///
/// # Examples
///
/// ```
/// # let mut object = rules_sdk::Object {
/// #     index: 0, api_version: "v1".into(), kind: "Job".into(), namespace: None, name: "c".into(),
/// #     labels: Default::default(), annotations: Default::default(), provenance: Default::default(),
/// #     runs: Vec::new(),
/// #     body: serde_json::json!({}),
/// # };
/// use rules_sdk::{Meta, Report, smell::{Cmd, CmdTable, report_script_table}};
/// object.body = serde_json::json!({"spec": {"template": {"spec": {"containers": [{
///     "name": "topics",
///     "image": "redpandadata/redpanda:v24.1",
///     "command": ["sh", "-c", "rpk topic create orders -p 3 && rpk topic describe orders"]
/// }]}}}});
/// const REDPANDA: &CmdTable = &[
///     (Cmd::new(&["rpk"], &["acl", "user", "create"], "rpk acl user create"), "a User CR"),
///     (Cmd::new(&["rpk"], &["topic", "create"], "rpk topic create"), "a Topic CR"),
/// ];
/// let mut report = Report::new(Meta { id: "demo-rpk", replace_with: "the Redpanda operator", ..Meta::DEFAULT });
/// assert!(report_script_table(&object, &mut report, REDPANDA));
/// assert_eq!(report.findings()[0].replace_with.as_deref(), Some("a Topic CR"));
/// ```
pub fn report_script_table(object: &Object, report: &mut Report, table: &CmdTable) -> bool {
    let cmds: Vec<Cmd> = table.iter().map(|(c, _)| *c).collect();
    let Some((script, cmd)) = find_script(object, &cmds) else { return false };
    let instead = table.iter().find(|(c, _)| c.what == cmd.what).map_or("", |(_, r)| *r);
    let message = script_message(object, &script, &format!("runs `{}`", cmd.what));
    let draft = report.flag(object, message).at(script.field);
    if !instead.is_empty() {
        draft.replace_with(instead);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        shell::simple_commands(s).remove(0)
    }

    #[test]
    fn cmd_matches_program_ordered_words_and_substrings() {
        let rpk = Cmd::new(&["rpk"], &["topic", "create|alter-config"], "rpk topic create");
        assert!(rpk.matches(&words("rpk topic create orders -p 3")));
        assert!(rpk.matches(&words("/usr/bin/rpk -X brokers=x topic alter-config t")));
        assert!(!rpk.matches(&words("rpk topic list")));
        assert!(!rpk.matches(&words("echo rpk topic create")));
        let psql =
            Cmd { programs: &["psql"], words: &[], contains: &["create database"], what: "psql CREATE DATABASE" };
        assert!(psql.matches_line("sh -c 'psql -h db -c \"CREATE DATABASE temporal\"'"));
        assert!(!psql.matches_line("psql -c 'select 1'"));
        assert!(rpk.matches_line("for t in a b; do rpk topic create $t; done"));
        assert!(rpk.matches_line("for t in a b; do rpk topic create $t; done"));
        let tctl = Cmd::new(&["tctl"], &["namespace", "register"], "tctl namespace register");
        assert!(tctl.matches_line("tctl --ns default namespace register --rd 3"));
    }
}
