//! The client options every binding's constructor takes, in one table: each option's name
//! in each language, its kind and its unit. Bindings read their caller's values and hand
//! them here; the checks (whole numbers, ranges, units) and the `CONFIG` errors that name
//! the option as the caller spelled it live once, here and in [`ClientBuilder::build`].

use std::sync::Arc;
use std::time::Duration;

use crate::config::{ClientBuilder, MAX_TIMEOUT};
use crate::error::{Error, Result};
use crate::hooks::{HookQueue, Hooks};
use crate::logs::{LogEvent, LogQueue, LogSink};
use crate::secret::Secret;
use crate::Client;

/// Which binding reads the options: how it spells their names and which unit its
/// durations are in (Python: seconds; Node.js and C: milliseconds, named `...Ms`/`..._ms`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// `Client(project_id=..., timeout=...)`: snake_case, seconds.
    Python,
    /// `new Client({ projectId, timeoutMs })`: camelCase, milliseconds.
    Node,
    /// `descope_mgmt_options { project_id, timeout_ms }`: snake_case, milliseconds.
    C,
}

/// One client option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientOption {
    /// The Descope project id (text).
    ProjectId,
    /// The management key (text, a secret).
    ManagementKey,
    /// The base URL (text).
    BaseUrl,
    /// Total time of one attempt (a duration).
    Timeout,
    /// Time allowed to connect (a duration).
    ConnectTimeout,
    /// Automatic retries of a request that certainly was not applied (a count).
    MaxRetries,
    /// The longest `Retry-After` waited on automatically (a duration; 0 never waits).
    MaxRetryWait,
    /// Requests run at once, which bounds the open sockets (a count, at least 1).
    MaxConnections,
    /// The proxy every request goes through (text, a secret: it may hold credentials).
    Proxy,
    /// Hosts that bypass the proxy, comma-separated (text).
    NoProxy,
    /// A PEM file of CA certificates trusted besides the system's (text, a path).
    CaBundle,
    /// The safe logs' level: `off`, `error`, `warn`, `info` or `debug` (text).
    LogLevel,
}

/// What kind of value an option takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    /// A string.
    Text,
    /// A duration, in the binding's unit.
    Duration,
    /// A whole number.
    Count,
}

/// (option, kind, Python name, Node name, C name)
const TABLE: [(ClientOption, OptionKind, &str, &str, &str); 12] = [
    (
        ClientOption::ProjectId,
        OptionKind::Text,
        "project_id",
        "projectId",
        "project_id",
    ),
    (
        ClientOption::ManagementKey,
        OptionKind::Text,
        "management_key",
        "managementKey",
        "management_key",
    ),
    (
        ClientOption::BaseUrl,
        OptionKind::Text,
        "base_url",
        "baseUrl",
        "base_url",
    ),
    (
        ClientOption::Timeout,
        OptionKind::Duration,
        "timeout",
        "timeoutMs",
        "timeout_ms",
    ),
    (
        ClientOption::ConnectTimeout,
        OptionKind::Duration,
        "connect_timeout",
        "connectTimeoutMs",
        "connect_timeout_ms",
    ),
    (
        ClientOption::MaxRetries,
        OptionKind::Count,
        "max_retries",
        "maxRetries",
        "max_retries",
    ),
    (
        ClientOption::MaxRetryWait,
        OptionKind::Duration,
        "max_retry_wait",
        "maxRetryWaitMs",
        "max_retry_wait_ms",
    ),
    (
        ClientOption::MaxConnections,
        OptionKind::Count,
        "max_connections",
        "maxConnections",
        "max_connections",
    ),
    (
        ClientOption::Proxy,
        OptionKind::Text,
        "proxy",
        "proxy",
        "proxy",
    ),
    (
        ClientOption::NoProxy,
        OptionKind::Text,
        "no_proxy",
        "noProxy",
        "no_proxy",
    ),
    (
        ClientOption::CaBundle,
        OptionKind::Text,
        "ca_bundle",
        "caBundle",
        "ca_bundle",
    ),
    (
        ClientOption::LogLevel,
        OptionKind::Text,
        "log_level",
        "logLevel",
        "log_level",
    ),
];

impl ClientOption {
    /// Every option, in the order the docs list them.
    pub const ALL: [ClientOption; 12] = [
        ClientOption::ProjectId,
        ClientOption::ManagementKey,
        ClientOption::BaseUrl,
        ClientOption::Timeout,
        ClientOption::ConnectTimeout,
        ClientOption::MaxRetries,
        ClientOption::MaxRetryWait,
        ClientOption::MaxConnections,
        ClientOption::Proxy,
        ClientOption::NoProxy,
        ClientOption::CaBundle,
        ClientOption::LogLevel,
    ];

    fn row(
        self,
    ) -> &'static (
        ClientOption,
        OptionKind,
        &'static str,
        &'static str,
        &'static str,
    ) {
        TABLE
            .iter()
            .find(|row| row.0 == self)
            .expect("every option has a row")
    }

    /// The option's name in `binding`'s language.
    pub fn name(self, binding: Binding) -> &'static str {
        let (_, _, python, node, c) = self.row();
        match binding {
            Binding::Python => python,
            Binding::Node => node,
            Binding::C => c,
        }
    }

    /// The option `binding` spells `name`, if any.
    pub fn named(name: &str, binding: Binding) -> Option<ClientOption> {
        ClientOption::ALL
            .into_iter()
            .find(|o| o.name(binding) == name)
    }

    /// The kind of value the option takes.
    pub fn kind(self) -> OptionKind {
        self.row().1
    }
}

/// Every option name of `binding`, for an "expected one of" message.
pub fn option_names(binding: Binding) -> Vec<&'static str> {
    ClientOption::ALL.iter().map(|o| o.name(binding)).collect()
}

/// The options of one client being built: bindings set what their caller passed (unset
/// options fall back to the environment and the defaults), then [`ClientOptions::build`].
#[derive(Debug)]
pub struct ClientOptions {
    binding: Binding,
    builder: ClientBuilder,
}

impl ClientOptions {
    /// No option set yet, for `binding` (named in `x-descope-sdk-name`).
    pub fn new(binding: Binding) -> Self {
        let name = match binding {
            Binding::Python => "python",
            Binding::Node => "node",
            Binding::C => "c",
        };
        ClientOptions {
            binding,
            builder: Client::builder().binding(name),
        }
    }

    /// Sends the client's log records to a queue the binding drains on its caller's
    /// thread after each call (records flow only when a log level is on).
    pub fn log_queue(&mut self) -> Arc<LogQueue> {
        let queue = Arc::new(LogQueue::default());
        self.builder = std::mem::take(&mut self.builder).log_sink(queue.clone());
        queue
    }

    /// Runs the caller's hooks (see [`Hooks`]); replaces any set before.
    pub fn hooks(&mut self, hooks: Hooks) {
        self.builder = std::mem::take(&mut self.builder).hooks(hooks);
    }

    /// Puts the events of the kinds in `events` (`Request`, `Response`, `Retry`: the hooks
    /// the caller set) into a queue the binding drains on its caller's thread, where it
    /// runs the caller's hooks.
    pub fn hook_queue(&mut self, events: &[LogEvent]) -> Arc<HookQueue> {
        let queue = Arc::new(HookQueue::default());
        self.hooks(Hooks::queued(&queue, events));
        queue
    }

    /// Sends the client's log records to `sink` (records flow only when a log level is on).
    pub fn log_sink(&mut self, sink: Arc<dyn LogSink>) {
        self.builder = std::mem::take(&mut self.builder).log_sink(sink);
    }

    /// Sets a text option (project id, management key, base URL, proxy, no-proxy hosts, CA
    /// bundle path, log level).
    pub fn set_text(&mut self, option: ClientOption, value: String) -> Result<()> {
        let b = std::mem::take(&mut self.builder);
        self.builder = match option {
            ClientOption::ProjectId => b.project_id(value),
            ClientOption::ManagementKey => b.management_key(Secret::new(value)),
            ClientOption::BaseUrl => b.base_url(value),
            ClientOption::Proxy => b.proxy(Secret::new(value)),
            ClientOption::NoProxy => b.no_proxy(value),
            ClientOption::CaBundle => b.ca_bundle(value),
            ClientOption::LogLevel => {
                let known = value.trim().is_empty()
                    || value.trim().eq_ignore_ascii_case("off")
                    || crate::logs::LogLevel::parse(&value).is_some();
                if !known {
                    self.builder = b;
                    return Err(Error::config(format!(
                        "{} must be one of off, error, warn, info, debug",
                        option.name(self.binding)
                    )));
                }
                b.log_level(value)
            }
            _ => {
                self.builder = b;
                return Err(self.wrong_kind(option));
            }
        };
        Ok(())
    }

    /// Sets a duration (in the binding's unit) or a count. A duration must be positive (0
    /// too for the longest retry wait: never wait), finite and at most 24 hours; a count a
    /// whole number of 0 or more. Other ranges are checked when the client is built.
    pub fn set_number(&mut self, option: ClientOption, value: f64) -> Result<()> {
        if option.kind() == OptionKind::Duration {
            let d = self.duration(option, value)?;
            let b = std::mem::take(&mut self.builder);
            self.builder = match option {
                ClientOption::Timeout => b.timeout(d),
                ClientOption::ConnectTimeout => b.connect_timeout(d),
                _ => b.max_retry_wait(d),
            };
            return Ok(());
        }
        let b = std::mem::take(&mut self.builder);
        self.builder = match option {
            ClientOption::MaxRetries | ClientOption::MaxConnections => {
                let least = if option == ClientOption::MaxRetries {
                    0
                } else {
                    1
                };
                if value.is_nan() || value < 0.0 || (value.is_finite() && value.fract() != 0.0) {
                    self.builder = b;
                    return Err(Error::config(format!(
                        "{} must be a whole number, {least} or more",
                        option.name(self.binding)
                    )));
                }
                // Whole numbers beyond the type saturate, and the core refuses them.
                if option == ClientOption::MaxRetries {
                    b.max_retries(value as u32)
                } else {
                    b.max_connections(value as usize)
                }
            }
            _ => {
                self.builder = b;
                return Err(self.wrong_kind(option));
            }
        };
        Ok(())
    }

    /// A duration in the binding's unit, checked, with an error in the caller's terms.
    fn duration(&self, option: ClientOption, value: f64) -> Result<Duration> {
        let (unit, per_second) = match self.binding {
            Binding::Python => ("seconds", 1.0),
            Binding::Node | Binding::C => ("milliseconds", 1000.0),
        };
        let zero_ok = option == ClientOption::MaxRetryWait;
        let secs = value / per_second;
        if !value.is_finite()
            || value < 0.0
            || (value == 0.0 && !zero_ok)
            || secs > MAX_TIMEOUT.as_secs_f64()
        {
            let least = if zero_ok {
                "0 or more"
            } else {
                "greater than 0"
            };
            return Err(Error::config(format!(
                "{} must be a number of {unit}, {least} and at most 24 hours (got {value})",
                option.name(self.binding)
            )));
        }
        Ok(Duration::from_secs_f64(secs))
    }

    fn wrong_kind(&self, option: ClientOption) -> Error {
        let what = match option.kind() {
            OptionKind::Text => "a string",
            OptionKind::Duration | OptionKind::Count => "a number",
        };
        Error::config(format!("{} must be {what}", option.name(self.binding))).with_type_error()
    }

    /// Checks every setting and builds the client. Nothing is sent over the network.
    pub fn build(self) -> Result<Client> {
        self.builder.build()
    }
}

/// The options of a binding's `with_options` (`Client.with_options(...)`,
/// `client.withOptions({...})`, `descope_mgmt_client_with_options`): the per-call settings,
/// named and checked as the client's own, plus the correlation id.
#[derive(Debug)]
pub struct ViewOptions {
    options: ClientOptions,
    external_request_id: Option<String>,
    traceparent: Option<String>,
    tracestate: Option<String>,
}

impl ViewOptions {
    /// The options a view may override.
    pub const OPTIONS: [ClientOption; 4] = [
        ClientOption::Timeout,
        ClientOption::ConnectTimeout,
        ClientOption::MaxRetries,
        ClientOption::MaxRetryWait,
    ];

    /// No option set yet, for `binding`.
    pub fn new(binding: Binding) -> Self {
        ViewOptions {
            options: ClientOptions::new(binding),
            external_request_id: None,
            traceparent: None,
            tracestate: None,
        }
    }

    /// The name of the correlation id option in `binding`'s language.
    pub fn external_request_id_name(binding: Binding) -> &'static str {
        match binding {
            Binding::Node => "externalRequestId",
            Binding::Python | Binding::C => "external_request_id",
        }
    }

    /// Sets one of [`ViewOptions::OPTIONS`] (in the binding's unit), checked as
    /// [`ClientOptions::set_number`] checks it.
    pub fn set_number(&mut self, option: ClientOption, value: f64) -> Result<()> {
        if !Self::OPTIONS.contains(&option) {
            return Err(Error::config(format!(
                "{} cannot be set per call",
                option.name(self.options.binding)
            )));
        }
        self.options.set_number(option, value)
    }

    /// Sets the correlation id sent as `x-external-rid` (checked when applied).
    pub fn set_external_request_id(&mut self, id: String) {
        self.external_request_id = Some(id);
    }

    /// The names of the W3C trace context options, the same in every binding.
    pub const TRACE_CONTEXT: [&'static str; 2] = ["traceparent", "tracestate"];

    /// Sets the W3C `traceparent` (`name` is `traceparent`) or `tracestate` to send, checked
    /// when applied (a `tracestate` needs a `traceparent`).
    pub fn set_trace_context(&mut self, name: &str, value: String) {
        if name == Self::TRACE_CONTEXT[0] {
            self.traceparent = Some(value);
        } else {
            self.tracestate = Some(value);
        }
    }

    /// A view of `client` with these options (see [`Client::with_options`]).
    pub fn apply(self, client: &Client) -> Result<Client> {
        let mut call = self.options.builder.call_options();
        call.external_request_id = self.external_request_id;
        call.traceparent = self.traceparent;
        call.tracestate = self.tracestate;
        client.with_options(call)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn each_binding_spells_every_option_once() {
        for binding in [Binding::Python, Binding::Node, Binding::C] {
            let names = option_names(binding);
            for o in ClientOption::ALL {
                assert_eq!(ClientOption::named(o.name(binding), binding), Some(o));
            }
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len());
        }
        assert_eq!(ClientOption::Timeout.name(Binding::Node), "timeoutMs");
        assert_eq!(ClientOption::named("timeout_ms", Binding::Python), None);
    }

    /// Options with the settings that would otherwise come from the environment.
    fn node(set: impl FnOnce(&mut ClientOptions) -> Result<()>) -> Result<Client> {
        let mut o = ClientOptions::new(Binding::Node);
        o.set_text(ClientOption::ProjectId, "P2x".into())?;
        o.set_text(ClientOption::ManagementKey, "K2secretValue".into())?;
        o.set_text(ClientOption::BaseUrl, "http://127.0.0.1:1".into())?;
        set(&mut o)?;
        o.build()
    }

    #[test]
    fn out_of_range_values_are_config_errors_that_never_show_the_key() {
        use ClientOption::*;
        let bad: [(ClientOption, &[f64]); 3] = [
            (
                Timeout,
                &[
                    1e30,
                    f64::MAX,
                    f64::NAN,
                    f64::INFINITY,
                    -1.0,
                    0.0,
                    1e-9,
                    86_400_001.0,
                ],
            ),
            (
                MaxRetries,
                &[11.0, 1e30, f64::INFINITY, -1.0, 1.5, f64::NAN],
            ),
            (
                MaxConnections,
                &[0.0, -1.0, 1.5, f64::NAN, 4097.0, 1e30, f64::INFINITY],
            ),
        ];
        for (option, values) in bad {
            for &n in values {
                let e = node(|o| o.set_number(option, n)).unwrap_err();
                assert_eq!(e.code(), ErrorCode::Config, "{option:?} {n}: {e}");
                assert!(!e.message().contains("K2secretValue"));
                if option == MaxConnections {
                    let m = e.message();
                    assert!(
                        m.contains("maxConnections") || m.contains("max_connections"),
                        "{m}"
                    );
                }
            }
        }
        for n in [1.0, 4096.0] {
            node(|o| o.set_number(MaxConnections, n)).expect("1 to 4096 connections");
        }
        let c = node(|o| {
            o.set_number(Timeout, 1500.0)?;
            o.set_number(MaxRetries, 10.0)
        })
        .unwrap();
        assert_eq!(c.timeout().as_millis(), 1500);
        assert_eq!(c.max_retries(), 10);
    }

    #[test]
    fn counts_are_whole_numbers_and_durations_take_the_bindings_unit() {
        let mut o = ClientOptions::new(Binding::Node);
        for bad in [-1.0, 1.5, f64::NAN] {
            let e = o.set_number(ClientOption::MaxRetries, bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::Config);
            assert_eq!(e.message(), "maxRetries must be a whole number, 0 or more");
        }
        let e = o.set_number(ClientOption::Timeout, 0.0).unwrap_err();
        assert_eq!(
            e.message(),
            "timeoutMs must be a number of milliseconds, greater than 0 and at most 24 hours (got 0)"
        );
        o.set_number(ClientOption::MaxRetryWait, 0.0)
            .expect("0 never waits");
        let e = o.set_number(ClientOption::ProjectId, 1.0).unwrap_err();
        assert!(e.is_type_error(), "{e}");
        let mut o = ClientOptions::new(Binding::C);
        o.set_text(ClientOption::ProjectId, "P2x".into()).unwrap();
        o.set_text(ClientOption::ManagementKey, "K2key".into())
            .unwrap();
        o.set_text(ClientOption::BaseUrl, "http://127.0.0.1:9".into())
            .unwrap();
        o.set_number(ClientOption::Timeout, 1500.0).unwrap();
        assert_eq!(
            o.build().unwrap().timeout(),
            std::time::Duration::from_millis(1500)
        );
    }
}
