//! Look inside shell command lines without a shell parser.
//!
//! Bootstrap Jobs hide their work in `sh -c "…"` strings. These helpers split a
//! command line into simple commands (at `;`, `&&`, `||`, `|`, newlines) and
//! words, so a rule can ask "does anything here run `chown -R`?" without
//! matching `chown` inside an unrelated word.
//!
//! # Examples
//!
//! ```
//! use rules_sdk::shell;
//! let line = "sh -c 'until pg_isready -h db; do sleep 1; done && psql -h db -f /init.sql'";
//! assert!(shell::invokes(line, "psql", &["-f"]));
//! assert!(!shell::invokes("echo psql -f x", "psql", &["-f"]), "psql is an argument of echo here");
//! ```

/// The simple commands of a command line, each as its words (quotes dropped).
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
/// ```
pub fn simple_commands(command_line: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = command_line.chars().peekable();
    let flush_word = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => {
                if let Some(next) = chars.next().filter(|&c| c != '\n') {
                    word.push(next);
                }
            }
            (None, ' ' | '\t') => flush_word(&mut word, &mut words),
            (None, ';' | '\n' | '|' | '&' | '(' | ')' | '`') => {
                flush_word(&mut word, &mut words);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
            }
            (None, c) => word.push(c),
        }
    }
    flush_word(&mut word, &mut words);
    if !words.is_empty() {
        commands.push(words);
    }
    // `sh -c "<script>"`: the script is one word when quoted, several when the
    // caller joined argv with spaces. Either way, split it into its own commands.
    let mut expanded = Vec::new();
    for command in commands {
        let script = shell_script(&command);
        expanded.push(command);
        if let Some(script) = script {
            expanded.extend(simple_commands(&script));
        }
    }
    expanded
}

/// The script of `sh -c <script…>` (also bash/ash/dash, `-ec`, `-xc`, ...).
fn shell_script(words: &[String]) -> Option<String> {
    let program = words.first()?.rsplit('/').next()?;
    if !matches!(program, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh") {
        return None;
    }
    let flag = words.iter().position(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('c'))?;
    let rest = &words[flag + 1..];
    (!rest.is_empty()).then(|| rest.join(" "))
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
}
