//! The sandbox every rule runs in, set up top to bottom in one place.
//!
//! - One [`Engine`] for the run: Cranelift, fuel metering and epoch
//!   interruption on.
//! - Each rule component gets its own [`Store`] holding a WASI context that
//!   grants nothing: no preopened directories, no environment, no arguments,
//!   no sockets or name lookups, stdin closed and stdout/stderr discarded,
//!   a fixed wall clock and monotonic clock, and fixed "random" bytes. A rule
//!   built with Rust std imports WASI even when it uses none of it, so WASI is
//!   linked, but empty.
//! - [`StoreLimits`] caps linear memory, tables and instances; a refused
//!   `memory.grow` traps instead of returning -1, so the error names the limit.
//! - Fuel bounds the instructions of a component's `check` calls, all of them
//!   together (deterministic: the same input runs out at the same point on any
//!   machine); an epoch deadline bounds their wall-clock time as a backstop.
//!   A streamed run calls a component once per part of the input, so both are
//!   budgets for the whole run, not for each call.
//!
//! A trap, a limit or a malformed result becomes a [`RuleError`]; the host
//! carries on with every other rule.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

use wasmtime::component::{Component, InstancePre, Linker, ResourceTable};

use crate::cache::Cache;
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder, Trap};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "rule",
    });
}

pub use bindings::rewheel::rule::types::{
    Category, Chart, Finding, Identity, Origin, Provenance, Resource, RuleMeta, RuleOption, RuleOptions, Scope,
    Severity, UpstreamChart,
};

/// Limits applied to a rule component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Instructions (wasmtime fuel units) for `rules()`, and for all the
    /// `check` calls of a run together.
    pub fuel: u64,
    /// Linear memory per rule instance, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock time for `rules()`, and for all the `check` calls together.
    pub timeout: Duration,
    /// Findings a component may return in a run.
    pub max_findings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 20_000_000_000,
            memory_bytes: 512 << 20,
            timeout: Duration::from_secs(60),
            max_findings: 100_000,
        }
    }
}

/// Bytes a finding's message, path or replace-with may hold.
pub const MAX_FINDING_TEXT_BYTES: usize = 64 << 10;

/// The contract this host implements (`wit/rule.wit`). Components built against
/// another minor version are refused by name (docs/CONTRACT.md).
pub const CONTRACT_PACKAGE: &str = "rewheel:rule";
pub const CONTRACT_VERSION: &str = "0.5.0";

/// How often the epoch ticks; the wall-clock deadline is counted in ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The engine and linker shared by every rule of a run.
pub struct Sandbox {
    engine: Engine,
    linker: Linker<RuleState>,
    limits: Limits,
    cache: Cache,
    /// Components compiled (or loaded) in this process, by SHA-256: threads
    /// asking for the same one (the pack's instances) wait for one compilation.
    compiled: Mutex<HashMap<String, Arc<CompileSlot>>>,
    ticker_stop: Arc<AtomicBool>,
}

/// What a rule's store holds: the empty WASI context and the limits.
pub struct RuleState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
}

impl WasiView for RuleState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// A compiled rule component (from the cache or Cranelift), ready to instantiate.
pub struct LoadedComponent {
    pub name: String,
    /// Linked once against the empty WASI context: each instance (one per
    /// core for the pack) only instantiates. `Err` is why linking failed.
    pre: Result<InstancePre<RuleState>, String>,
}

/// One component's compilation, done by the first thread that asks.
type CompileSlot = OnceLock<Result<Compiled, String>>;

/// A compiled component and its pre-instantiation, shared by the threads
/// that load the same bytes.
#[derive(Clone)]
struct Compiled {
    component: Component,
    pre: Result<InstancePre<RuleState>, String>,
}

/// One instantiated rule component with its own store.
pub struct RuleInstance {
    name: String,
    store: Store<RuleState>,
    exports: bindings::Rule,
    limits: Limits,
    /// Wall-clock time the `check` calls took so far; `None` before the first
    /// (which starts the run's fuel and time budget).
    checking: Option<Duration>,
}

/// What `rewheel rules inspect` shows about a component.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// Interfaces it imports (WASI, the contract's types), as named in the component.
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    /// The `rewheel:rule` version it targets, if it imports the contract.
    pub contract: Option<String>,
    /// Whether this host runs it, or why not.
    pub compatible: Result<(), String>,
}

/// Why a rule produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The component (file name or built-in slug).
    pub component: String,
    pub message: String,
}

impl Sandbox {
    pub fn new(limits: Limits, cache: Cache) -> anyhow::Result<Sandbox> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.consume_fuel(true);
        config.epoch_interruption(true);
        config.max_wasm_stack(1 << 20);
        // `REWHEEL_PROFILE=perfmap` names JIT code for `perf` (docs/BENCHMARKS.md).
        if std::env::var_os("REWHEEL_PROFILE").is_some_and(|v| v == "perfmap") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config).map_err(|e| anyhow::anyhow!("{e}"))?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| anyhow::anyhow!("{e}"))?;

        // The wall-clock backstop: tick the epoch while the sandbox lives.
        let ticker_stop = Arc::new(AtomicBool::new(false));
        let (stop, ticking) = (ticker_stop.clone(), engine.weak());
        thread::Builder::new().name("rewheel-epoch".into()).spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                thread::sleep(EPOCH_TICK);
                match ticking.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })?;

        Ok(Sandbox { engine, linker, limits, cache, compiled: Mutex::default(), ticker_stop })
    }

    /// Compile a component. Bytes that are not a component (a core module,
    /// garbage, an empty or truncated file) are refused here.
    pub fn compile(&self, name: &str, bytes: &[u8]) -> Result<LoadedComponent, RuleError> {
        if bytes.is_empty() {
            return Err(RuleError::new(name, "the file is empty, not a WebAssembly component"));
        }
        if !bytes.starts_with(b"\0asm") {
            return Err(RuleError::new(name, "is not WebAssembly (no `\\0asm` header): give a .wasm rule component"));
        }
        if bytes.get(4..8) == Some(&[1, 0, 0, 0]) {
            return Err(RuleError::new(
                name,
                "is a core WebAssembly module, not a component: build the rule for wasm32-wasip2 (or wrap it with `wasm-tools component new`)",
            ));
        }
        if wasmtime::Engine::detect_precompiled(bytes).is_some() {
            return Err(RuleError::new(
                name,
                "is a precompiled artifact, not a component: give the .wasm it was built from",
            ));
        }
        let compiled = self.load(name, bytes)?;
        self.check_contract(name, &compiled.component)?;
        Ok(LoadedComponent { name: name.to_string(), pre: compiled.pre })
    }

    /// The compiled component for `bytes`, once per process: from the disk
    /// cache or Cranelift, then linked (`InstancePre`).
    fn load(&self, name: &str, bytes: &[u8]) -> Result<Compiled, RuleError> {
        let slot =
            self.compiled.lock().expect("compile memo").entry(crate::cache::sha256_hex(bytes)).or_default().clone();
        slot.get_or_init(|| {
            let component = self.cache.load_or_compile(&self.engine, bytes).map_err(|e| one_line(&e))?;
            let pre = self.linker.instantiate_pre(&component).map_err(|e| one_line(&e));
            Ok(Compiled { component, pre })
        })
        .clone()
        .map_err(|e| RuleError::new(name, format!("not a valid rule component: {e}")))
    }

    /// What a component imports and exports, and the contract version it
    /// targets (from its `rewheel:rule/…@VERSION` imports), without refusing
    /// an incompatible one: for `rewheel rules inspect`.
    pub fn inspect(&self, name: &str, bytes: &[u8]) -> Result<Inspection, RuleError> {
        let component = self.load(name, bytes)?.component;
        let ty = component.component_type();
        let imports: Vec<String> = ty.imports(&self.engine).map(|(n, _)| n.to_string()).collect();
        let exports: Vec<String> = ty.exports(&self.engine).map(|(n, _)| n.to_string()).collect();
        let prefix = format!("{CONTRACT_PACKAGE}/");
        let contract = imports
            .iter()
            .filter_map(|i| i.strip_prefix(&prefix))
            .map(|rest| rest.split_once('@').map_or("unversioned", |(_, v)| v).to_string())
            .next();
        let compatible = self.check_contract(name, &component).map_err(|e| e.message);
        Ok(Inspection { imports, exports, contract, compatible })
    }

    /// Refuse a component built against another version of the contract, or
    /// one that does not implement the `rule` world, with a message naming both.
    fn check_contract(&self, name: &str, component: &Component) -> Result<(), RuleError> {
        let ty = component.component_type();
        let prefix = format!("{CONTRACT_PACKAGE}/");
        let wanted = minor(CONTRACT_VERSION);
        for (import, _) in ty.imports(&self.engine) {
            let Some(rest) = import.strip_prefix(&prefix) else { continue };
            let version = rest.split_once('@').map_or("unversioned", |(_, v)| v);
            if minor(version) != wanted {
                return Err(RuleError::new(
                    name,
                    format!(
                        "targets {CONTRACT_PACKAGE}@{version}, but this rewheel runs {CONTRACT_PACKAGE}@{wanted}.x components: rebuild it against a matching rules-sdk"
                    ),
                ));
            }
        }
        let exports: Vec<&str> = ty.exports(&self.engine).map(|(n, _)| n).collect();
        for required in ["rules", "check"] {
            if !exports.contains(&required) {
                return Err(RuleError::new(
                    name,
                    format!(
                        "does not implement the {CONTRACT_PACKAGE}@{CONTRACT_VERSION} world `rule`: no `{required}` export (exports: {})",
                        if exports.is_empty() { "none".to_string() } else { exports.join(", ") }
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Instantiate a component in a fresh store with the empty WASI context.
    pub fn instantiate(&self, loaded: &LoadedComponent, limits: Limits) -> Result<RuleInstance, RuleError> {
        let wasi = WasiCtxBuilder::new()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .wall_clock(FixedClock)
            .monotonic_clock(FixedClock)
            .secure_random(wasmtime_wasi::random::Deterministic::new(vec![0x5a; 32]))
            .insecure_random(wasmtime_wasi::random::Deterministic::new(vec![0xa5; 32]))
            .insecure_random_seed(0)
            .build();
        let state = RuleState { wasi, table: ResourceTable::new(), limits: store_limits(limits) };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        arm(&mut store, limits.fuel, limits.timeout);
        let pre = loaded
            .pre
            .as_ref()
            .map_err(|e| RuleError::new(&loaded.name, format!("cannot instantiate: instantiation failed: {e}")))?;
        let exports = bindings::RulePre::new(pre.clone()).and_then(|p| p.instantiate(&mut store)).map_err(|e| {
            RuleError::new(&loaded.name, format!("cannot instantiate: {}", describe(&e, limits, "instantiation")))
        })?;
        Ok(RuleInstance { name: loaded.name.clone(), store, exports, limits, checking: None })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }
}

/// The store-level caps for `limits`.
fn store_limits(limits: Limits) -> StoreLimits {
    StoreLimitsBuilder::new()
        .memory_size(limits.memory_bytes)
        .table_elements(1 << 20)
        .instances(64)
        .tables(64)
        .memories(16)
        .trap_on_grow_failure(true)
        .build()
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

impl RuleInstance {
    /// Apply other limits from the next call on (a per-rule override from
    /// configuration, known once the component said which rules it carries).
    /// The `check` budget starts afresh.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
        self.checking = None;
        self.store.data_mut().limits = store_limits(limits);
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The metadata of the rules the component carries.
    pub fn rules(&mut self) -> Result<Vec<RuleMeta>, RuleError> {
        arm(&mut self.store, self.limits.fuel, self.limits.timeout);
        self.exports
            .call_rules(&mut self.store)
            .map_err(|e| RuleError::new(&self.name, describe(&e, self.limits, "rules()")))
    }

    /// Check a batch of resources with the rules `rules` (ids the component
    /// declared), their configured options and the run's charts. `batch` names the batch in
    /// errors. The calls of a run share one fuel and time budget: the first
    /// starts it, the next ones go on with what is left.
    pub fn check(
        &mut self,
        rules: &[String],
        resources: &[Resource],
        options: &[RuleOptions],
        charts: &[Chart],
        batch: &str,
    ) -> Result<Vec<Finding>, RuleError> {
        let spent = match self.checking {
            None => {
                arm(&mut self.store, self.limits.fuel, self.limits.timeout);
                Duration::ZERO
            }
            Some(spent) if spent >= self.limits.timeout => {
                return Err(RuleError::new(
                    &self.name,
                    format!(
                        "check({batch}) not started: earlier calls used up the wall-clock limit of {:?} (--rule-timeout, or timeout-secs in rewheel.toml)",
                        self.limits.timeout
                    ),
                ));
            }
            Some(spent) => {
                // Fuel carries over in the store; only the deadline is re-armed.
                arm_deadline(&mut self.store, self.limits.timeout - spent);
                spent
            }
        };
        let started = std::time::Instant::now();
        let result = self.exports.call_check(&mut self.store, rules, resources, options, charts);
        self.checking = Some(spent + started.elapsed());
        self.checked(result, batch)
    }

    fn checked(
        &self,
        result: wasmtime::Result<Result<Vec<Finding>, String>>,
        batch: &str,
    ) -> Result<Vec<Finding>, RuleError> {
        match result {
            Ok(Ok(findings)) => Ok(findings),
            Ok(Err(message)) => Err(RuleError::new(&self.name, format!("check({batch}) returned an error: {message}"))),
            Err(e) => Err(RuleError::new(&self.name, describe(&e, self.limits, &format!("check({batch})")))),
        }
    }
}

/// `0.1.3` → `0.1`: the part of a version that must match (pre-1.0 semver).
fn minor(version: &str) -> &str {
    let mut dots = version.match_indices('.');
    match (dots.next(), dots.next()) {
        (Some(_), Some((second, _))) => &version[..second],
        _ => version,
    }
}

/// Refill fuel and reset the wall-clock deadline.
fn arm(store: &mut Store<RuleState>, fuel: u64, timeout: Duration) {
    store.set_fuel(fuel).expect("fuel is enabled");
    arm_deadline(store, timeout);
}

/// Trap once `timeout` (at least one tick) has passed from now.
fn arm_deadline(store: &mut Store<RuleState>, timeout: Duration) {
    store.set_epoch_deadline((timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64);
    store.epoch_deadline_trap();
}

/// Name the limit a trap hit, with its value.
fn describe(error: &wasmtime::Error, limits: Limits, call: &str) -> String {
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => {
            format!(
                "{call} ran out of fuel: exceeded the CPU limit of {} instructions (--rule-fuel, or fuel in rewheel.toml)",
                limits.fuel
            )
        }
        Some(Trap::Interrupt) => {
            format!(
                "{call} exceeded the wall-clock limit of {:?} (--rule-timeout, or timeout-secs in rewheel.toml)",
                limits.timeout
            )
        }
        Some(Trap::StackOverflow) => format!("{call} overflowed its stack (call stack exhausted)"),
        Some(Trap::MemoryOutOfBounds) => format!(
            "{call} trapped: out-of-bounds memory access (a Rust rule whose stack overflowed into its data ends this way)"
        ),
        Some(Trap::UnreachableCodeReached) => {
            format!("{call} trapped: the rule panicked or aborted (wasm `unreachable` executed)")
        }
        Some(trap) => format!("{call} trapped: {trap}"),
        None => {
            let text = one_line(error);
            if text.contains("memory") && (text.contains("grow") || text.contains("limit") || text.contains("exceed")) {
                format!(
                    "{call} exceeded the memory limit of {} MiB (--rule-memory, or memory-mib in rewheel.toml): {text}",
                    limits.memory_bytes >> 20
                )
            } else {
                format!("{call} failed: {text}")
            }
        }
    }
}

/// An error and its causes on one line.
fn one_line(error: &wasmtime::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ").replace('\n', " ")
}

impl RuleError {
    pub fn new(component: &str, message: impl Into<String>) -> RuleError {
        RuleError { component: component.to_string(), message: message.into() }
    }
}

/// The clock every rule sees: 2000-01-01T00:00:00Z, standing still.
struct FixedClock;

impl wasmtime_wasi::HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::from_secs(946_684_800)
    }
}

impl wasmtime_wasi::HostMonotonicClock for FixedClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}
