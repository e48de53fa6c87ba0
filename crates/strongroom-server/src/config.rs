//! Settings: the command line, `STRONGROOM_*` environment variables and one
//! TOML file (`--config FILE`), for every argument of the commands that take
//! settings (`serve`, `config check`), with no code per setting.
//!
//! - Environment: every such argument without an explicit `env` gets
//!   `STRONGROOM_<ID>` (`--audit-log` → `STRONGROOM_AUDIT_LOG`); clap reads it.
//! - File: its keys are the long flag names (`audit-log = "file"`); a
//!   repeatable flag takes an array; a switch takes `true`/`false`. Every
//!   value goes through the argument's own clap value parser, one key at a
//!   time, so every error is reported, each with its key. Unknown keys are
//!   errors.
//! - Precedence: flag > environment > file > default. A file value is used
//!   only where clap's `value_source` says the argument came from its
//!   default or nowhere: it is then appended to the command line and the
//!   whole is parsed again, so the typed result is exactly what the same
//!   flags would give.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command, Parser};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// The subcommands (as paths from the top) whose arguments are settings.
pub const SETTABLE: &[&[&str]] = &[&["serve"], &["config", "check"]];
/// The argument that names the file; the file cannot set it.
const CONFIG_ARG: &str = "config";
const ENV_PREFIX: &str = "STRONGROOM_";
/// Shown instead of a value that must not be printed.
const REDACTED: &str = "<redacted>";

/// Why the settings could not be read.
#[derive(Debug)]
pub enum ConfigError {
    /// The command line or an environment variable (clap's own error,
    /// which prints itself and knows its exit code).
    Cli(clap::Error),
    /// The file could not be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not TOML.
    Syntax { path: PathBuf, message: String },
    /// Keys that are unknown or whose values are wrong: all of them.
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One wrong key of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Cli(e) => write!(f, "{e}"),
            ConfigError::Read { path, source } => {
                write!(
                    f,
                    "{}: cannot read the config file: {source}",
                    path.display()
                )
            }
            ConfigError::Syntax { path, message } => write!(f, "{}: {message}", path.display()),
            ConfigError::Invalid { path, problems } => {
                for (i, p) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{}: key `{}`: {}", path.display(), p.key, p.message)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// The parsed command line, and the settings of the settable command that
/// was given, with where each came from (for `config check`).
pub struct Parsed<C> {
    pub cli: C,
    pub settings: Option<Settings>,
}

/// Where an effective setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Environment,
    File,
    Default,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Environment => "environment",
            Source::File => "file",
            Source::Default => "default",
        }
    }
}

/// One effective setting; `value` is `None` when the setting is unset.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: Option<toml::Value>,
    pub source: Option<Source>,
}

/// The effective settings, printed as a TOML file that would give them.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub file: Option<PathBuf>,
    pub settings: Vec<Setting>,
}

impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(path) => writeln!(f, "# config file {}: OK", path.display())?,
            None => writeln!(f, "# no config file")?,
        }
        writeln!(
            f,
            "# effective settings (flag > environment > file > default)"
        )?;
        for s in &self.settings {
            match (&s.value, s.source) {
                (Some(v), Some(source)) => writeln!(f, "{} = {v}  # {}", s.key, source.name())?,
                _ => writeln!(f, "# {} is not set", s.key)?,
            }
        }
        Ok(())
    }
}

/// `STRONGROOM_<ID>` for an argument id (`audit_log` → `STRONGROOM_AUDIT_LOG`).
pub fn env_name(id: &str) -> String {
    format!("{ENV_PREFIX}{}", id.to_ascii_uppercase().replace('-', "_"))
}

/// An argument the file and the environment can set: a named option or
/// switch (not help, version, counters or positionals).
fn is_setting(arg: &Arg) -> bool {
    arg.get_long().is_some()
        && matches!(
            arg.get_action(),
            ArgAction::Set | ArgAction::Append | ArgAction::SetTrue | ArgAction::SetFalse
        )
}

/// `cmd` with `STRONGROOM_<ID>` on every setting of the settable commands
/// that has no environment variable of its own.
pub fn command<C: Parser>() -> Command {
    let mut cmd = C::command();
    for path in SETTABLE {
        cmd = map_subcommand(cmd, path, &|sub| {
            sub.mut_args(|arg| {
                if is_setting(&arg) && arg.get_env().is_none() {
                    let name = env_name(arg.get_id().as_str());
                    arg.env(name)
                } else {
                    arg
                }
            })
        });
    }
    cmd
}

fn map_subcommand(cmd: Command, path: &[&str], f: &dyn Fn(Command) -> Command) -> Command {
    match path.split_first() {
        None => f(cmd),
        Some((first, rest)) => {
            if cmd.find_subcommand(first).is_none() {
                return cmd;
            }
            cmd.mut_subcommand(*first, |sub| map_subcommand(sub, rest, f))
        }
    }
}

/// The settable subcommand that `matches` ran, with its matches.
fn settable_leaf<'a>(
    cmd: &'a Command,
    matches: &'a ArgMatches,
) -> Option<(&'a Command, &'a ArgMatches)> {
    SETTABLE.iter().find_map(|path| {
        let (mut cmd, mut matches) = (cmd, matches);
        for name in *path {
            cmd = cmd.find_subcommand(name)?;
            matches = matches.subcommand_matches(name)?;
        }
        Some((cmd, matches))
    })
}

/// Parses `argv` (program name first) with the environment and the config
/// file the settable command names.
pub fn parse<C: Parser>(argv: Vec<OsString>) -> Result<Parsed<C>, ConfigError> {
    let cmd = command::<C>();
    let first = cmd
        .clone()
        .try_get_matches_from(&argv)
        .map_err(ConfigError::Cli)?;
    let Some((leaf, leaf_matches)) = settable_leaf(&cmd, &first) else {
        let cli = C::from_arg_matches(&first).map_err(ConfigError::Cli)?;
        return Ok(Parsed {
            cli,
            settings: None,
        });
    };
    let file = leaf_matches
        .get_raw(CONFIG_ARG)
        .and_then(|mut v| v.next())
        .map(PathBuf::from);
    let mut argv = argv;
    let mut from_file = BTreeSet::new();
    if let Some(path) = &file {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path.clone(),
                    message: e.to_string().trim_end().to_owned(),
                })?;
        let values = file_values(leaf, &table).map_err(|problems| ConfigError::Invalid {
            path: path.clone(),
            problems,
        })?;
        for value in values {
            // Flag and environment win over the file.
            if matches!(
                leaf_matches.value_source(&value.id),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            ) {
                continue;
            }
            argv.extend(value.args);
            from_file.insert(value.id);
        }
    }
    let matches = cmd.try_get_matches_from(&argv).map_err(ConfigError::Cli)?;
    let cli = C::from_arg_matches(&matches).map_err(ConfigError::Cli)?;
    let settings = settable_leaf(&command::<C>(), &matches)
        .map(|(leaf, leaf_matches)| effective(leaf, leaf_matches, &from_file, file));
    Ok(Parsed { cli, settings })
}

/// A file key turned into command-line arguments.
struct FileValue {
    id: String,
    args: Vec<OsString>,
}

/// Every key of `table` as arguments of `leaf`, each checked by the
/// argument's value parser; every problem if there is any.
fn file_values(leaf: &Command, table: &toml::Table) -> Result<Vec<FileValue>, Vec<Problem>> {
    // Parses one key's arguments alone, without the environment.
    let probe = leaf.clone().mut_args(|arg| arg.env(None::<&'static str>));
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for (key, value) in table {
        let problem = |message: String| Problem {
            key: key.clone(),
            message,
        };
        let Some(arg) = leaf
            .get_arguments()
            .find(|a| is_setting(a) && a.get_long() == Some(key.as_str()))
        else {
            problems.push(problem("unknown key".to_owned()));
            continue;
        };
        if arg.get_id() == CONFIG_ARG {
            problems.push(problem(
                "a config file cannot name another config file".to_owned(),
            ));
            continue;
        }
        let args = match to_args(arg, key, value) {
            Ok(args) => args,
            Err(message) => {
                problems.push(problem(message));
                continue;
            }
        };
        let argv = std::iter::once(OsString::from(leaf.get_name())).chain(args.iter().cloned());
        match probe.clone().try_get_matches_from(argv) {
            Ok(_) => values.push(FileValue {
                id: arg.get_id().as_str().to_owned(),
                args,
            }),
            Err(e) if is_value_error(e.kind()) => problems.push(problem(describe(&e))),
            // Requirements between settings (one needs another) are
            // checked once all of them are known, by the final parse.
            Err(_) => values.push(FileValue {
                id: arg.get_id().as_str().to_owned(),
                args,
            }),
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

/// The command-line form of one file value, or what is wrong with its type.
fn to_args(arg: &Arg, key: &str, value: &toml::Value) -> Result<Vec<OsString>, String> {
    let option = |v: String| OsString::from(format!("--{key}={v}"));
    match arg.get_action() {
        ArgAction::SetTrue | ArgAction::SetFalse => {
            let toml::Value::Boolean(on) = value else {
                return Err(format!(
                    "expected true or false, found {}",
                    value.type_str()
                ));
            };
            let given = *on == matches!(arg.get_action(), ArgAction::SetTrue);
            Ok(if given {
                vec![OsString::from(format!("--{key}"))]
            } else {
                Vec::new()
            })
        }
        ArgAction::Append => match value {
            toml::Value::Array(items) if items.is_empty() => {
                Err("expected at least one value, found an empty array".to_owned())
            }
            toml::Value::Array(items) => {
                items.iter().map(|item| scalar(item).map(option)).collect()
            }
            _ => Ok(vec![option(scalar(value)?)]),
        },
        _ => Ok(vec![option(scalar(value)?)]),
    }
}

/// A single value as the command line would give it.
fn scalar(value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(x) => Ok(x.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Datetime(d) => Ok(d.to_string()),
        toml::Value::Array(_) | toml::Value::Table(_) => Err(format!(
            "expected a single value, found {}",
            value.type_str()
        )),
    }
}

/// clap errors about a value itself (not about other arguments).
fn is_value_error(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::InvalidValue
            | ErrorKind::ValueValidation
            | ErrorKind::TooManyValues
            | ErrorKind::TooFewValues
            | ErrorKind::WrongNumberOfValues
            | ErrorKind::InvalidUtf8
            | ErrorKind::NoEquals
            | ErrorKind::UnknownArgument
    )
}

/// A clap value error in one line, without the flag's spelling.
fn describe(e: &clap::Error) -> String {
    let mut message = match e.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(v)) => format!("invalid value {v:?}"),
        _ => e.kind().as_str().unwrap_or("invalid value").to_owned(),
    };
    if let Some(source) = std::error::Error::source(e) {
        message.push_str(&format!(": {source}"));
    } else if let Some(ContextValue::Strings(valid)) = e.get(ContextKind::ValidValue) {
        message.push_str(&format!("; expected one of: {}", valid.join(", ")));
    }
    message
}

/// What each setting of `leaf` is, and whence.
fn effective(
    leaf: &Command,
    matches: &ArgMatches,
    from_file: &BTreeSet<String>,
    file: Option<PathBuf>,
) -> Settings {
    let settings = leaf
        .get_arguments()
        .filter(|a| is_setting(a) && a.get_id() != CONFIG_ARG)
        .filter_map(|arg| {
            let key = arg.get_long()?.to_owned();
            let id = arg.get_id().as_str();
            let raw: Option<Vec<String>> = matches
                .get_raw(id)
                .map(|values| values.map(|v| v.to_string_lossy().into_owned()).collect());
            // A switch the file turns off gives no argument: it is still
            // the file's setting.
            let source = matches.value_source(id).map(|s| match s {
                ValueSource::EnvVariable => Source::Environment,
                _ if from_file.contains(id) => Source::File,
                ValueSource::CommandLine => Source::Flag,
                _ => Source::Default,
            });
            let value = raw.map(|raw| {
                let integer = parses_integers(arg);
                // A number is never a secret (`max-versions-per-secret`).
                let secret = is_secret(&key) && !integer;
                let item = |v: &str| {
                    if secret {
                        toml::Value::String(REDACTED.to_owned())
                    } else {
                        printable(v, integer)
                    }
                };
                match arg.get_action() {
                    ArgAction::SetTrue | ArgAction::SetFalse => {
                        toml::Value::Boolean(raw.first().is_some_and(|v| v == "true"))
                    }
                    ArgAction::Append => toml::Value::Array(raw.iter().map(|v| item(v)).collect()),
                    _ => raw
                        .first()
                        .map_or(toml::Value::Array(Vec::new()), |v| item(v)),
                }
            });
            Some(Setting { key, value, source })
        })
        .collect();
    Settings { file, settings }
}

/// Settings whose values are never printed, by their name.
fn is_secret(key: &str) -> bool {
    ["password", "secret", "token", "credential"]
        .iter()
        .any(|word| key.contains(word))
}

/// Whether the argument's value parser yields an integer.
fn parses_integers(arg: &Arg) -> bool {
    use std::any::TypeId;
    let parsed = arg.get_value_parser().type_id();
    [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i8>(),
        TypeId::of::<i16>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
        TypeId::of::<isize>(),
    ]
    .iter()
    .any(|t| parsed == *t)
}

/// A value as TOML: an integer for an integer setting, else a string, with
/// any password in a URL's user info hidden (`postgres://u:pw@h` →
/// `u:<redacted>@h`).
fn printable(value: &str, integer: bool) -> toml::Value {
    if integer && let Ok(n) = value.parse::<i64>() {
        return toml::Value::Integer(n);
    }
    toml::Value::String(hide_url_password(value))
}

fn hide_url_password(value: &str) -> String {
    let Some((scheme, rest)) = value.split_once("://") else {
        return value.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:{REDACTED}@{host}{tail}"),
            None => value.to_owned(),
        },
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A stand-in for the real command line: ids no environment sets.
    #[derive(Parser, Debug)]
    struct TestCli {
        #[command(subcommand)]
        command: TestCommand,
    }

    #[derive(clap::Subcommand, Debug)]
    enum TestCommand {
        Serve(TestArgs),
        Other {
            #[arg(long)]
            zz_untouched: Option<String>,
        },
    }

    #[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
    enum Mode {
        Fast,
        Slow,
    }

    #[derive(clap::Args, Debug)]
    struct TestArgs {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:1")]
        zz_address: std::net::SocketAddr,
        #[arg(long, default_value_t = 5)]
        zz_count: u32,
        #[arg(long, value_enum, default_value_t = Mode::Fast)]
        zz_mode: Mode,
        #[arg(long)]
        zz_switch: bool,
        #[arg(long, value_delimiter = ',', default_values = ["a", "b"])]
        zz_items: Vec<String>,
        #[arg(long)]
        zz_db_password: Option<String>,
        #[arg(long)]
        zz_url: Option<String>,
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text.as_bytes()).expect("write");
        f
    }

    fn run(
        args: &[&str],
        config: Option<&tempfile::NamedTempFile>,
    ) -> Result<Parsed<TestCli>, ConfigError> {
        let mut argv: Vec<OsString> = ["test", "serve"].iter().map(OsString::from).collect();
        if let Some(f) = config {
            argv.push("--config".into());
            argv.push(f.path().into());
        }
        argv.extend(args.iter().map(OsString::from));
        parse::<TestCli>(argv)
    }

    fn serve(parsed: Parsed<TestCli>) -> TestArgs {
        match parsed.cli.command {
            TestCommand::Serve(a) => a,
            TestCommand::Other { .. } => panic!("not serve"),
        }
    }

    fn setting<'a>(settings: &'a Settings, key: &str) -> &'a Setting {
        settings
            .settings
            .iter()
            .find(|s| s.key == key)
            .expect("setting")
    }

    #[test]
    fn every_setting_gets_its_environment_variable() {
        let cmd = command::<TestCli>();
        let serve = cmd.find_subcommand("serve").expect("serve");
        let env = |id: &str| {
            serve
                .get_arguments()
                .find(|a| a.get_id() == id)
                .and_then(|a| a.get_env())
                .map(|e| e.to_string_lossy().into_owned())
        };
        assert_eq!(env("zz_address").as_deref(), Some("STRONGROOM_ZZ_ADDRESS"));
        assert_eq!(env("zz_switch").as_deref(), Some("STRONGROOM_ZZ_SWITCH"));
        assert_eq!(env("config").as_deref(), Some("STRONGROOM_CONFIG"));
        // Only the settable commands.
        let other = cmd.find_subcommand("other").expect("other");
        assert!(other.get_arguments().all(|a| a.get_env().is_none()));
    }

    #[test]
    fn file_values_are_used_where_no_flag_is_given() {
        let f = file(
            r#"
            zz-address = "10.0.0.1:8443"
            zz-count = 9
            zz-mode = "slow"
            zz-switch = true
            zz-items = ["x", "y", "z"]
            "#,
        );
        let parsed = run(&["--zz-count", "3"], Some(&f)).expect("parsed");
        let settings = parsed.settings.clone().expect("settings");
        let args = serve(parsed);
        assert_eq!(args.zz_address.to_string(), "10.0.0.1:8443");
        assert_eq!(args.zz_count, 3, "the flag wins over the file");
        assert_eq!(args.zz_mode, Mode::Slow);
        assert!(args.zz_switch);
        assert_eq!(args.zz_items, ["x", "y", "z"]);
        assert_eq!(setting(&settings, "zz-count").source, Some(Source::Flag));
        assert_eq!(setting(&settings, "zz-address").source, Some(Source::File));
        assert_eq!(
            setting(&settings, "zz-items").value,
            Some(toml::Value::Array(vec!["x".into(), "y".into(), "z".into()]))
        );
        assert_eq!(setting(&settings, "zz-url").value, None);
    }

    #[test]
    fn a_switch_the_file_turns_off_is_the_files_setting() {
        let f = file("zz-switch = false\n");
        let parsed = run(&[], Some(&f)).expect("parsed");
        let settings = parsed.settings.clone().expect("settings");
        assert!(!serve(parsed).zz_switch);
        let switch = setting(&settings, "zz-switch");
        assert_eq!(switch.value, Some(toml::Value::Boolean(false)));
        assert_eq!(switch.source, Some(Source::File));
        // A flag still wins.
        let parsed = run(&["--zz-switch"], Some(&f)).expect("parsed");
        let settings = parsed.settings.clone().expect("settings");
        assert!(serve(parsed).zz_switch);
        assert_eq!(setting(&settings, "zz-switch").source, Some(Source::Flag));
    }

    #[test]
    fn without_a_file_the_defaults_hold() {
        let parsed = run(&[], None).expect("parsed");
        let settings = parsed.settings.clone().expect("settings");
        let args = serve(parsed);
        assert_eq!(args.zz_count, 5);
        assert_eq!(args.zz_items, ["a", "b"]);
        assert!(!args.zz_switch);
        assert_eq!(setting(&settings, "zz-count").source, Some(Source::Default));
        assert_eq!(settings.file, None);
    }

    #[test]
    fn every_bad_key_is_reported_with_its_key() {
        let f = file(
            r#"
            zz-adress = "10.0.0.1:1"
            zz-address = "nowhere"
            zz-count = "many"
            zz-mode = "medium"
            zz-switch = "yes"
            zz-items = [["nested"]]
            config = "other.toml"
            [zz-url]
            a = 1
            "#,
        );
        let Err(ConfigError::Invalid { problems, .. }) = run(&[], Some(&f)) else {
            panic!("expected problems");
        };
        let by_key = |key: &str| {
            problems
                .iter()
                .find(|p| p.key == key)
                .map(|p| p.message.clone())
                .unwrap_or_else(|| panic!("no problem reported for {key}: {problems:?}"))
        };
        assert_eq!(problems.len(), 8, "{problems:?}");
        assert_eq!(by_key("zz-adress"), "unknown key");
        assert_eq!(
            by_key("zz-address"),
            "invalid value \"nowhere\": invalid socket address syntax"
        );
        assert!(by_key("zz-count").starts_with("invalid value \"many\": "));
        assert_eq!(
            by_key("zz-mode"),
            "invalid value \"medium\"; expected one of: fast, slow"
        );
        assert_eq!(by_key("zz-switch"), "expected true or false, found string");
        assert_eq!(by_key("zz-items"), "expected a single value, found array");
        assert_eq!(
            by_key("config"),
            "a config file cannot name another config file"
        );
        assert_eq!(by_key("zz-url"), "expected a single value, found table");
    }

    #[test]
    fn a_file_that_is_not_toml_is_a_syntax_error() {
        let f = file("zz-count = \n");
        assert!(matches!(
            run(&[], Some(&f)),
            Err(ConfigError::Syntax { .. })
        ));
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let argv = ["test", "serve", "--config", "/nonexistent/strongroom.toml"]
            .iter()
            .map(OsString::from)
            .collect();
        assert!(matches!(
            parse::<TestCli>(argv),
            Err(ConfigError::Read { .. })
        ));
    }

    #[test]
    fn an_empty_list_is_refused() {
        let f = file("zz-items = []\n");
        let Err(ConfigError::Invalid { problems, .. }) = run(&[], Some(&f)) else {
            panic!("expected problems");
        };
        assert_eq!(problems[0].key, "zz-items");
    }

    #[test]
    fn secrets_are_not_printed() {
        let f = file(
            r#"
            zz-db-password = "hunter2"
            zz-url = "postgres://app:hunter2@db:5432/x"
            "#,
        );
        let settings = run(&[], Some(&f))
            .expect("parsed")
            .settings
            .expect("settings");
        let printed = settings.to_string();
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("zz-db-password = \"<redacted>\"  # file"),
            "{printed}"
        );
        assert!(
            printed.contains("zz-url = \"postgres://app:<redacted>@db:5432/x\"  # file"),
            "{printed}"
        );
    }

    #[test]
    fn integer_settings_print_as_integers_and_strings_as_strings() {
        let f = file("zz-count = 9\nzz-url = \"000123\"\n");
        let settings = run(&[], Some(&f))
            .expect("parsed")
            .settings
            .expect("settings");
        assert_eq!(
            setting(&settings, "zz-count").value,
            Some(toml::Value::Integer(9))
        );
        assert_eq!(
            setting(&settings, "zz-url").value,
            Some(toml::Value::String("000123".to_owned()))
        );
        assert_eq!(
            setting(&settings, "zz-address").value,
            Some(toml::Value::String("127.0.0.1:1".to_owned()))
        );
    }

    #[test]
    fn commands_without_settings_ignore_the_file_machinery() {
        let argv = ["test", "other", "--zz-untouched", "v"]
            .iter()
            .map(OsString::from)
            .collect();
        let parsed = parse::<TestCli>(argv).expect("parsed");
        assert!(parsed.settings.is_none());
    }
}
