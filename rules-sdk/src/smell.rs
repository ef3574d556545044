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

use crate::object::Object;
use crate::pod::{Container, ContainerRole};
use crate::rule::Report;
use crate::shell;

/// Kinds that run continuously (a Job is a script, not a reinvented service).
pub const LONG_RUNNING_KINDS: &[&str] =
    &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"];

/// The first main container of a locally written, long-running workload whose
/// image matches one of `images`.
pub fn local_workload<'a>(object: &'a Object, images: &[&str]) -> Option<Container<'a>> {
    if !object.origin().is_local() || !LONG_RUNNING_KINDS.contains(&object.kind.as_str()) {
        return None;
    }
    object.pod_spec()?.main_containers().into_iter().find(|c| c.image.matches_any(images))
}

/// Flag a locally written workload running `what` (one of `images`). Returns
/// whether it flagged.
pub fn report_workload(object: &Object, report: &mut Report, images: &[&str], what: &str) -> bool {
    let Some(container) = local_workload(object, images) else { return false };
    report
        .flag(object, format!("{} runs {what} ({}) {}", object.display(), container.image, object.origin().describe()))
        .at(container.field("image"));
    true
}

/// A command a provider reconciles natively, e.g. `rpk topic create`.
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
    pub const fn new(programs: &'static [&'static str], words: &'static [&'static str], what: &'static str) -> Cmd {
        Cmd { programs, words, contains: &[], what }
    }

    /// Does this simple command (program first) match?
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
    pub fn matches_line(&self, command_line: &str) -> bool {
        shell::simple_commands(command_line).iter().any(|words| self.matches(words))
    }
}

/// Where a script runs.
#[derive(Debug, Clone)]
pub struct Script<'a> {
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
pub fn script_message(object: &Object, script: &Script<'_>, what: &str) -> String {
    format!("{} {} {:?} {what} {}", object.display(), script.place, script.container.name, object.origin().describe())
}

/// The first script of a locally written object for which `detect` says
/// something (what it found, e.g. the statement or API call).
pub fn find_script_by<'a, T>(object: &'a Object, detect: impl Fn(&str) -> Option<T>) -> Option<(Script<'a>, T)> {
    if !object.origin().is_local() {
        return None;
    }
    scripts(object).into_iter().find_map(|s| detect(&s.command_line).map(|t| (s, t)))
}

/// The first script of a locally written object running one of `cmds`.
pub fn find_script<'a>(object: &'a Object, cmds: &[Cmd]) -> Option<(Script<'a>, Cmd)> {
    if !object.origin().is_local() {
        return None;
    }
    scripts(object).into_iter().find_map(|s| cmds.iter().find(|c| c.matches_line(&s.command_line)).map(|c| (s, *c)))
}

/// Flag the first script of `object` running one of `cmds`. Returns whether
/// it flagged.
pub fn report_script(object: &Object, report: &mut Report, cmds: &[Cmd]) -> bool {
    let Some((script, cmd)) = find_script(object, cmds) else { return false };
    let message = script_message(object, &script, &format!("runs `{}`", cmd.what));
    report.flag(object, message).at(script.field);
    true
}

/// A command and what to use instead of it.
pub type CmdTable = [(Cmd, &'static str)];

/// Flag the first script of `object` running one of the commands of `table`,
/// with that command's own replacement. Returns whether it flagged.
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
