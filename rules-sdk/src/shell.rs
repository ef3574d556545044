//! Look inside shell command lines without a shell parser.
//!
//! Bootstrap Jobs hide their work in `sh -c "…"` strings, in `$(…)`, and in
//! `kubectl exec <pod> -- …` into another pod. These helpers split a command
//! line into simple commands (at `;`, `&&`, `||`, `|`, newlines) and words, so
//! a rule can ask "does anything here run `chown -R`?" without matching
//! `chown` inside an unrelated word.
//!
//! # Examples
//!
//! ```
//! use rules_sdk::shell;
//! let line = "sh -c 'until pg_isready -h db; do sleep 1; done && psql -h db -f /init.sql'";
//! assert!(shell::invokes(line, "psql", &["-f"]));
//! assert!(!shell::invokes("echo psql -f x", "psql", &["-f"]), "psql is an argument of echo here");
//! assert!(shell::invokes("kubectl exec db-0 -- psql -f /init.sql", "psql", &["-f"]), "run in pod db-0");
//! ```

/// The simple commands of a command line, each as its words (quotes dropped).
///
/// Besides the commands of the line itself, this lists the commands they run
/// in turn, each after the command that runs it: the script of `sh -c
/// "<script>"`, the command `kubectl exec … -- <command…>` (or `oc exec`) runs
/// in the target container, and the commands of a command substitution
/// (`$(…)` or backquotes, also inside double quotes). A substitution stays
/// part of its word in the outer command (`KEYS=$(vault operator init)`).
///
/// # Examples
///
/// ```
/// use rules_sdk::shell::simple_commands;
/// let commands = simple_commands("sh -c \"mkdir -p /d && chown -R 999 /d\"");
/// assert_eq!(commands, [
///     vec!["sh", "-c", "mkdir -p /d && chown -R 999 /d"],
///     vec!["mkdir", "-p", "/d"],
///     vec!["chown", "-R", "999", "/d"],
/// ]);
/// let commands = simple_commands("kubectl exec -n vault vault-0 -- vault operator unseal \"$(cat /keys/k0)\"");
/// assert_eq!(commands, [
///     vec!["kubectl", "exec", "-n", "vault", "vault-0", "--", "vault", "operator", "unseal", "$(cat /keys/k0)"],
///     vec!["vault", "operator", "unseal", "$(cat /keys/k0)"],
///     vec!["cat", "/keys/k0"],
/// ]);
/// ```
pub fn simple_commands(command_line: &str) -> Vec<Vec<String>> {
    split(command_line, 0)
}

/// How deep scripts, `kubectl exec` commands and substitutions are looked
/// into: real scripts nest two or three levels, hostile input thousands.
const MAX_NESTING: usize = 16;

/// [`simple_commands`] of a line nested `depth` levels deep.
fn split(command_line: &str, depth: usize) -> Vec<Vec<String>> {
    let nested = depth < MAX_NESTING;
    let chars: Vec<char> = command_line.chars().collect();
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    // The commands of the substitutions in the current simple command.
    let mut substituted: Vec<Vec<String>> = Vec::new();
    let mut quote: Option<char> = None;
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    let flush_command = |words: &mut Vec<String>, substituted: &mut Vec<Vec<String>>, commands: &mut Vec<_>| {
        if !words.is_empty() {
            expand(std::mem::take(words), commands, depth);
        }
        commands.append(substituted);
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match (quote, c) {
            // `$(…)`, unquoted or in double quotes; `$((…))` is arithmetic.
            (None | Some('"'), '$') if nested && chars.get(i) == Some(&'(') => {
                let close = closing_paren(&chars, i);
                let inner: String = chars[i + 1..close].iter().collect();
                word.push_str("$(");
                word.push_str(&inner);
                word.push(')');
                if !inner.starts_with('(') {
                    substituted.extend(split(&inner, depth + 1));
                }
                i = close + 1;
            }
            (None | Some('"'), '`') if nested => {
                let close = chars[i..].iter().position(|&c| c == '`').map_or(chars.len(), |p| i + p);
                let inner: String = chars[i..close].iter().collect();
                word.push('`');
                word.push_str(&inner);
                word.push('`');
                substituted.extend(split(&inner, depth + 1));
                i = close + 1;
            }
            (Some(q), c) if c == q => quote = None,
            // In double quotes a backslash quotes only `$`, a backquote, `"` and `\`.
            (Some('"'), '\\') if chars.get(i).is_some_and(|n| matches!(n, '$' | '`' | '"' | '\\')) => {
                word.push(chars[i]);
                i += 1;
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => {
                if let Some(&next) = chars.get(i) {
                    i += 1;
                    if next != '\n' {
                        word.push(next);
                    }
                }
            }
            (None, ' ' | '\t') => flush_word(&mut word, &mut words),
            (None, ';' | '\n' | '|' | '&' | '(' | ')' | '`') => {
                flush_word(&mut word, &mut words);
                flush_command(&mut words, &mut substituted, &mut commands);
            }
            (None, c) => word.push(c),
        }
    }
    flush_word(&mut word, &mut words);
    flush_command(&mut words, &mut substituted, &mut commands);
    commands
}

/// Push `command`, then the commands it runs: the script of `sh -c "<script>"`
/// (one word when quoted, several when the caller joined argv with spaces) and
/// the command of `kubectl exec … -- <command…>`.
fn expand(command: Vec<String>, commands: &mut Vec<Vec<String>>, depth: usize) {
    let nested = depth < MAX_NESTING;
    let script = shell_script(&command).filter(|_| nested);
    let remote = exec_command(&command).filter(|_| nested).map(<[String]>::to_vec);
    commands.push(command);
    if let Some(script) = script {
        commands.extend(split(&script, depth + 1));
    }
    if let Some(remote) = remote {
        expand(remote, commands, depth + 1);
    }
}

/// Index of the `)` closing the `(` at `open` (the end of `chars` when none
/// does), skipping quoted text and the substitutions inside double quotes.
fn closing_paren(chars: &[char], open: usize) -> usize {
    // Open parentheses and double quotes, innermost last.
    let mut open_stack = vec!['('];
    let mut i = open + 1;
    while i < chars.len() {
        let in_quotes = open_stack.last() == Some(&'"');
        match chars[i] {
            '\\' => i += 1,
            '"' if in_quotes => {
                open_stack.pop();
            }
            '$' if in_quotes && chars.get(i + 1) == Some(&'(') => {
                open_stack.push('(');
                i += 1;
            }
            _ if in_quotes => {}
            '"' => open_stack.push('"'),
            '\'' => i = chars[i + 1..].iter().position(|&c| c == '\'').map_or(chars.len(), |p| i + 1 + p),
            '(' => open_stack.push('('),
            ')' => {
                open_stack.pop();
                if open_stack.is_empty() {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

/// The script of `sh -c <script…>` (also bash/ash/dash, `-ec`, `-xc`, ...,
/// after `exec`/`env`-style prefixes).
fn shell_script(words: &[String]) -> Option<String> {
    let start = program_index(words)?;
    let program = words[start].rsplit('/').next()?;
    if !matches!(program, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh") {
        return None;
    }
    let words = &words[start + 1..];
    let flag = words.iter().position(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('c'))?;
    let rest = &words[flag + 1..];
    (!rest.is_empty()).then(|| rest.join(" "))
}

/// The command `kubectl exec [flags] <pod> -- <command…>` (or `oc exec`) runs
/// in the target container: the words after the first `--`. Without `--`
/// (the deprecated `kubectl exec <pod> <command>`) there is none.
fn exec_command(words: &[String]) -> Option<&[String]> {
    let start = program_index(words)?;
    let program = words[start].rsplit('/').next()?;
    if !matches!(program, "kubectl" | "oc") {
        return None;
    }
    let words = &words[start + 1..];
    let dashes = words.iter().position(|w| w == "--")?;
    let remote = &words[dashes + 1..];
    (words[..dashes].iter().any(|w| w == "exec") && !remote.is_empty()).then_some(remote)
}

/// Quote `word` for a shell when it holds spaces or shell syntax.
///
/// # Examples
///
/// ```
/// use rules_sdk::shell::{quote, simple_commands};
/// assert_eq!(quote("plain"), "plain");
/// assert_eq!(quote("a b"), "'a b'");
/// assert_eq!(quote("it's"), "'it'\\''s'");
/// assert_eq!(simple_commands(&quote("echo $HOME; ls"))[0], ["echo $HOME; ls"], "one word again");
/// ```
pub fn quote(word: &str) -> String {
    if !word.is_empty() && !word.contains(|c: char| c.is_whitespace() || "'\"\\;&|()`$<>*?#~{}[]".contains(c)) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// Words that may precede the program of a simple command: shell keywords
/// (`for …; do curl …; done` splits into `do curl …`), wrappers (`sudo`,
/// `exec`, ...) and `VAR=value` assignments.
const NOT_THE_PROGRAM: &[&str] = &[
    "do", "then", "else", "elif", "if", "while", "until", "!", "{", "sudo", "exec", "env", "command", "nohup", "time",
];

/// Index of the program word of a simple command, skipping shell keywords
/// (`do`, `then`, `if`, ...), wrappers (`sudo`, `exec`, `env`, `nohup`, ...)
/// and `VAR=value` assignments.
///
/// # Examples
///
/// ```
/// use rules_sdk::shell::{program_index, simple_commands};
/// let words = &simple_commands("sudo PGPASSWORD=x psql -c 'select 1'")[0];
/// assert_eq!(program_index(words).map(|i| words[i].as_str()), Some("psql"));
/// assert_eq!(program_index(&["sudo".to_string()]), None);
/// ```
pub fn program_index(words: &[String]) -> Option<usize> {
    words.iter().position(|w| !NOT_THE_PROGRAM.contains(&w.as_str()) && !w.contains('='))
}

/// Does `url` carry a password (`scheme://user:password@host`)?
///
/// # Examples
///
/// ```
/// use rules_sdk::shell::url_has_password;
/// assert!(url_has_password("postgres://app:s3cret@db:5432/app?sslmode=require"));
/// assert!(!url_has_password("postgres://app@db:5432/app"));
/// assert!(!url_has_password("https://example.com/a@b:c"), "an @ in the path is not userinfo");
/// ```
pub fn url_has_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.split_once(':').is_some_and(|(_, p)| !p.is_empty()))
}

/// Does some simple command run `program` (by basename, after `sudo`/`exec`/
/// `env`-style prefixes) with every word of `args` among its arguments?
///
/// `invokes("sh -c 'chown -R 1000:1000 /data'", "chown", &["-R"])` is true.
/// A one-letter flag also matches inside a cluster (`-Rf` has `-R`).
///
/// # Examples
///
/// ```
/// use rules_sdk::shell::invokes;
/// assert!(invokes("sh -c 'chown -R 1000:1000 /data'", "chown", &["-R"]));
/// assert!(invokes("sudo /bin/chmod -Rf 777 /x", "chmod", &["-R"]));
/// assert!(invokes("for b in a b; do mc mb local/$b; done", "mc", &["mb"]));
/// assert!(!invokes("chown 1000 /data", "chown", &["-R"]));
/// assert!(!invokes("mychown -R x", "chown", &["-R"]));
/// ```
pub fn invokes(command_line: &str, program: &str, args: &[&str]) -> bool {
    simple_commands(command_line).iter().any(|words| {
        let Some(start) = program_index(words) else { return false };
        let name = words[start].rsplit('/').next().unwrap_or("");
        name == program && args.iter().all(|a| words[start + 1..].iter().any(|w| w == a || flag_cluster_has(w, a)))
    })
}

/// `-Rf` contains `-R`.
fn flag_cluster_has(word: &str, flag: &str) -> bool {
    match (word.strip_prefix('-'), flag.strip_prefix('-')) {
        (Some(w), Some(f)) if f.len() == 1 && !w.starts_with('-') => w.contains(f),
        _ => false,
    }
}

/// A root `chown -R`/`chmod -R` (or `--recursive`) anywhere in the command line.
///
/// # Examples
///
/// ```
/// use rules_sdk::shell::recursive_ownership_change;
/// assert!(recursive_ownership_change("sh -c 'mkdir -p /data && chown -R 999:999 /data'"));
/// assert!(recursive_ownership_change("chmod --recursive g+w /x"));
/// assert!(!recursive_ownership_change("ls -R /"));
/// ```
pub fn recursive_ownership_change(command_line: &str) -> bool {
    ["chown", "chmod"].iter().any(|p| invokes(command_line, p, &["-R"]) || invokes(command_line, p, &["--recursive"]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_nested_scripts() {
        let cmds = simple_commands("sh -c \"mkdir -p /d && chown -R 999:999 /d; echo ok\"");
        assert!(cmds.contains(&vec!["chown".to_string(), "-R".into(), "999:999".into(), "/d".into()]), "{cmds:?}");
    }

    #[test]
    fn quoting_round_trips_through_the_splitter() {
        let script = "mkdir -p /d && chown -R 999:999 '/d'";
        let line = format!("sh -c {}", quote(script));
        assert_eq!(simple_commands(&line)[0], vec!["sh".to_string(), "-c".into(), script.into()]);
        assert!(invokes(&line, "chown", &["-R"]));
        assert_eq!(quote("plain"), "plain");
    }

    #[test]
    fn splits_shell_scripts_joined_from_argv() {
        assert!(invokes("sh -c chown -R 999:999 /data/db", "chown", &["-R"]));
        assert!(invokes("/bin/bash -ec set -x; chmod -R 0700 /d", "chmod", &["-R"]));
    }

    #[test]
    fn programs_inside_loops_and_conditionals() {
        assert!(invokes("for d in a b; do chown -R 1000 /data/$d; done", "chown", &["-R"]));
        assert!(invokes("if true; then chmod -R 700 /x; fi", "chmod", &["-R"]));
        assert!(url_has_password("postgres://app:s3cret@db:5432/app?sslmode=require"));
        assert!(!url_has_password("postgres://app@db:5432/app"));
        assert!(!url_has_password("https://example.com/a@b:c"));
    }

    #[test]
    fn invokes_matches_program_and_flags() {
        assert!(invokes("sh -c 'chown -R 1000:1000 /data'", "chown", &["-R"]));
        assert!(invokes("/bin/chown -Rf 1 /x", "chown", &["-R"]));
        assert!(invokes("sudo chmod -R 777 /x", "chmod", &["-R"]));
        assert!(!invokes("echo chown -R", "chown", &["-R"]));
        assert!(!invokes("chown 1000 /x", "chown", &["-R"]));
        assert!(!invokes("mychown -R x", "chown", &["-R"]));
        assert!(invokes("kubectl apply -f /m.yaml", "kubectl", &["apply"]));
        assert!(recursive_ownership_change("sh -c 'chmod --recursive g+w /x'"));
        assert!(!recursive_ownership_change("ls -R /"));
    }

    fn words(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn kubectl_exec_runs_its_command_in_the_pod() {
        let init = "kubectl exec -n vault vault-0 -- vault operator init -key-shares=1 -key-threshold=1 -format=json > /tmp/keys.json";
        let cmds = simple_commands(init);
        assert_eq!(cmds.len(), 2, "{cmds:?}");
        assert_eq!(cmds[0][0], "kubectl", "the kubectl command itself comes first");
        assert_eq!(cmds[1][..4], words("vault operator init -key-shares=1"));
        assert!(invokes(init, "vault", &["operator", "init"]));
        // Flags before and after `exec`, `-c`, `-it`, `oc`, an absolute path, a `sudo` prefix.
        assert!(invokes(
            "kubectl -n vault exec -it vault-0 -c vault -- vault operator unseal $KEY",
            "vault",
            &["unseal"]
        ));
        assert!(invokes("oc exec --container=vault pod/vault-0 -- vault operator unseal k", "vault", &["unseal"]));
        assert!(invokes("sudo /usr/local/bin/kubectl exec vault-0 -- /bin/vault operator init", "vault", &["init"]));
        // A shell in the pod: its script is split too, also after `env`.
        assert!(invokes("kubectl exec vault-0 -- sh -c 'vault operator init'", "vault", &["operator", "init"]));
        assert!(invokes(
            "kubectl exec vault-0 -- env VAULT_ADDR=http://x:8200 sh -c 'vault operator init'",
            "vault",
            &["init"]
        ));
        assert!(invokes("sh -c \"kubectl exec vault-0 -- /bin/sh -ec 'vault operator init'\"", "vault", &["init"]));
        // From argv, as a Job's `command:` list is joined (`Container::command_line`).
        let argv = ["kubectl", "exec", "vault-0", "--", "sh", "-c", "vault operator init -format=json > /tmp/k"];
        let line = argv.map(quote).join(" ");
        assert!(invokes(&line, "vault", &["operator", "init"]), "{line}");
        // Only the words after `--` are the pod's command; kubectl itself is still a command.
        assert!(invokes(init, "kubectl", &["exec"]));
        assert!(!invokes(init, "vault-0", &[]));
    }

    #[test]
    fn kubectl_exec_does_not_make_words_commands() {
        // Quoted text mentioning kubectl exec is an argument, as before.
        assert!(!invokes("echo 'run: kubectl exec vault-0 -- vault operator init'", "vault", &[]));
        assert!(!invokes("echo \"kubectl exec vault-0 -- vault operator init\"", "vault", &[]));
        assert!(!invokes("printf '%s\\n' kubectl exec vault-0 -- vault operator init", "vault", &[]));
        // `vault` as a word of an echo, run in the pod or not.
        assert!(!invokes("echo vault operator init", "vault", &[]));
        assert!(!invokes("kubectl exec vault-0 -- echo vault operator init", "vault", &[]));
        // Other kubectl subcommands with `--`, and the deprecated form without `--`.
        assert!(!invokes("kubectl get pods -l app=vault -- vault", "vault", &[]));
        assert!(!invokes("kubectl exec vault-0 vault operator init", "vault", &[]));
        assert!(!invokes("kubectl exec vault-0 --", "vault", &[]));
    }

    #[test]
    fn command_substitutions_are_commands_and_stay_words() {
        // The pod of `kubectl exec` found by a substitution.
        let join = "kubectl exec $(kubectl get pod -l app=vault -o name | head -1) -- vault operator raft join http://vault-0.vault-internal:8200";
        let cmds = simple_commands(join);
        assert_eq!(cmds[0][2], "$(kubectl get pod -l app=vault -o name | head -1)", "{cmds:?}");
        assert!(invokes(join, "vault", &["operator", "raft", "join"]));
        assert!(invokes(join, "head", &["-1"]));
        assert!(invokes("kubectl exec `kubectl get pod -o name | head -1` -- vault operator init", "vault", &["init"]));
        // In double quotes too, nested, with quotes of its own inside.
        let keys = "KEYS=\"$(kubectl exec vault-0 -- vault operator init -format=json)\"";
        assert!(invokes(keys, "vault", &["operator", "init"]));
        assert_eq!(simple_commands(keys)[0], ["KEYS=$(kubectl exec vault-0 -- vault operator init -format=json)"]);
        let nested = "vault operator unseal \"$(echo \"$(jq -r '.keys[0]' /k.json)\" | tr -d ' ')\"";
        assert!(invokes(nested, "jq", &["-r"]), "{:?}", simple_commands(nested));
        assert!(invokes(nested, "tr", &["-d"]));
        assert_eq!(simple_commands(nested)[0].len(), 4, "{:?}", simple_commands(nested));
        // Not in single quotes, not when escaped, not arithmetic.
        assert_eq!(simple_commands("echo '$(vault operator init)'"), [["echo", "$(vault operator init)"]]);
        assert_eq!(simple_commands("echo \"\\$(vault operator init)\""), [["echo", "$(vault operator init)"]]);
        assert_eq!(simple_commands("echo $((1 + 2))"), [["echo", "$((1 + 2))"]]);
        // In double quotes, `\"` is a quote character and `\$` a dollar sign.
        let escaped = "sh -c \"echo \\\"keys: \\$HOME\\\" && vault operator init\"";
        assert_eq!(simple_commands(escaped)[0], ["sh", "-c", "echo \"keys: $HOME\" && vault operator init"]);
        assert!(invokes(escaped, "vault", &["init"]));
        // Words after a substitution belong to the command, not to a new one.
        assert!(!invokes("echo $(date) vault operator init", "vault", &[]));
        // A substitution that never closes runs to the end of the line.
        assert!(invokes("echo $(vault operator init", "vault", &["init"]));
    }

    #[test]
    fn nesting_is_looked_into_a_bounded_depth() {
        let three = "sh -c \"kubectl exec vault-0 -- sh -c 'echo $(vault operator init)'\"";
        assert!(invokes(three, "vault", &["init"]));
        // Hostile input: deep nesting costs linear time and stack, not more.
        for hostile in ["$(", "\"$(", "`", "kubectl exec p -- ", "sh -c "] {
            let line = format!("{}vault operator init", hostile.repeat(20_000));
            let text: usize = simple_commands(&line).iter().flatten().map(String::len).sum();
            assert!(text <= (MAX_NESTING + 2) * line.len(), "{hostile}: {text} bytes of words");
        }
        let deep = format!("{}vault operator init", "kubectl exec p -- ".repeat(MAX_NESTING + 1));
        assert!(!invokes(&deep, "vault", &[]), "beyond MAX_NESTING");
    }
}
