//! The incremental engine: memoised computations that record what they read.
//!
//! # Why
//!
//! `watch` rebuilds the site after every edit. Each stage used to keep its own
//! hand-keyed memo table, and each table had to know, by hand, which inputs
//! its entries depended on — a key that forgot one dependency served a stale
//! page. This engine replaced those tables with one mechanism in which
//! dependencies are *recorded*, not declared: whatever a computation reads
//! through its [`Cx`] is what invalidates it. The queries themselves are in
//! [`crate::db`]. (A spike compared it with salsa: the same precision, half
//! the CPU per edit at 10k notes, and no new crates.)
//!
//! # Model
//!
//! * An [`Input`] is a value per key, set from outside with [`Engine::set`].
//!   A key never set (or set to `None`) reads as `None`; reading it still
//!   records the read, so setting it later invalidates the reader.
//! * A [`Query`] is a derived value per key: a pure `compute(cx, key)` that
//!   reads inputs and other queries through `cx` only.
//!
//! # How invalidation works
//!
//! The engine has a *revision*, a counter that [`Engine::set`] increments when
//! it changes a value. Each memo holds its value, the revision it was last
//! verified at, the revision its value last changed at, and the list of nodes
//! it read, in the order it read them.
//!
//! Reading a memo verified at the current revision returns it. Reading an
//! older one first *verifies* it: its dependencies are brought up to date one
//! by one, in read order (recursively — each is itself a memo or an input),
//! and if none changed after the memo was verified, the memo is reused and
//! marked verified now. Read order matters: a computation's later reads may
//! depend on its earlier ones (read a list of links, then each link's title),
//! so the earlier ones are checked first and verification stops at the first
//! change instead of computing dependencies the new value may not read.
//!
//! Otherwise the memo is recomputed. If the new value equals the old one
//! (`Value: PartialEq`), the memo keeps its old "changed at" revision — it is
//! *backdated* — so the memos that read it see no change and are not
//! recomputed. This is what stops an edit to one note's claim text from
//! re-rendering every page that shows the note's title.
//!
//! # Concurrency
//!
//! Reads take `&Engine` and are `Sync`: [`Cx::par_map`] computes independent
//! keys on rayon's pool, and the reads of its workers are recorded as reads
//! of the calling computation. Each memo has a lock held while it is verified
//! or computed, so two threads wanting the same value compute it once. A
//! query that reads itself (directly or not) on the same thread panics with
//! "cycle" instead of deadlocking. Caveat: a rayon worker blocked in a nested
//! `par_map` may steal a job from an outer one; if that job needs a memo the
//! worker itself is computing, it is reported as a cycle. Keep `par_map` to
//! the top level (the build of all pages) and to queries that outer parallel
//! jobs do not read.
//!
//! [`Engine::set`] takes `&mut self`: no read is in flight while inputs
//! change, so a revision is a consistent snapshot.
//!
//! # Panics
//!
//! A query that panics leaves its memo as it was (old value, old revision):
//! the panic propagates to the reader, and the next read verifies or
//! recomputes the memo as if nothing had happened.
//!
//! # Memory
//!
//! Memos stay until [`Engine::sweep`], which, called right after a full pass
//! (a build of every page), frees the memos that pass did not read — the
//! pages, titles and quote positions of deleted notes and sources.

use std::cell::RefCell;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use rustc_hash::FxHashMap;

/// A revision: incremented by each [`Engine::set`] that changes a value.
pub type Rev = u64;

/// A derived value per key. `compute` must be pure and read everything it
/// depends on through `cx`: only those reads invalidate it.
pub trait Query<Db>: Sized + 'static {
    type Key: Clone + Eq + Hash + Send + Sync + 'static;
    /// Compared with the previous value to backdate an unchanged result.
    type Value: PartialEq + Send + Sync + 'static;
    /// Where the database keeps this query's memos.
    fn table(db: &Db) -> &Table<Db, Self>;
    fn compute(cx: &Cx<'_, Db>, key: &Self::Key) -> Self::Value;
    /// Computes the value knowing the previous one, when there is one. A
    /// query whose value is expensive to produce but cheap to identify (a
    /// page: its view hashed) overrides this to reuse the old value's parts
    /// when their identity is unchanged; the result must be what `compute`
    /// would return.
    fn compute_from(cx: &Cx<'_, Db>, key: &Self::Key, _old: Option<&Self::Value>) -> Self::Value {
        Self::compute(cx, key)
    }
}

/// An input: a value per key, set from outside. Unset keys read as `None`.
pub trait Input<Db>: Sized + 'static {
    type Key: Clone + Eq + Hash + Send + Sync + 'static;
    /// Compared with the current value: setting an equal value is a no-op.
    type Value: PartialEq + Send + Sync + 'static;
    fn table(db: &Db) -> &InputTable<Self::Key, Self::Value>;
}

/// Declares a query type in one item:
/// `query!(Db; Title: NoteId => Option<String>, title, |cx, id| body)`
/// defines `pub struct Title` whose memos live in `db.title`.
macro_rules! query {
    ($db:ty; $name:ident: $key:ty => $value:ty, $table:ident, |$cx:ident, $k:ident| $body:expr) => {
        pub struct $name;
        impl $crate::engine::Query<$db> for $name {
            type Key = $key;
            type Value = $value;
            fn table(db: &$db) -> &$crate::engine::Table<$db, Self> {
                &db.$table
            }
            fn compute($cx: &$crate::engine::Cx<'_, $db>, $k: &$key) -> $value {
                $body
            }
        }
    };
}
pub(crate) use query;

/// Anything a computation can have read.
trait Node<Db>: Send + Sync {
    /// Brings the node up to date; returns the revision it last changed at.
    fn refresh(&self, engine: &Engine<Db>) -> Rev;
}

type Dep<Db> = Arc<dyn Node<Db>>;

/// A table's slots by key. Shared (`Arc`) so that memos can hold the nodes
/// they read.
type Slots<K, S> = RwLock<FxHashMap<K, Arc<S>>>;

/// Locks, ignoring poison. A panic while a memo is locked (a query's
/// `compute` panicking) leaves the memo as it was before — the new value is
/// only stored after `compute` returns — so the data is still valid.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The slot for `key`, created on first use.
fn slot_in<K: Clone + Eq + Hash, S>(
    slots: &Slots<K, S>,
    key: &K,
    new: impl FnOnce() -> S,
) -> Arc<S> {
    // Almost every read finds the slot: try under the shared lock first.
    let read = slots.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(slot) = read.get(key) {
        return slot.clone();
    }
    drop(read);
    let mut write = slots.write().unwrap_or_else(PoisonError::into_inner);
    write
        .entry(key.clone())
        .or_insert_with(|| Arc::new(new()))
        .clone()
}

// ---- inputs -----------------------------------------------------------------

/// The values of one [`Input`].
pub struct InputTable<K, V> {
    slots: Slots<K, InputSlot<V>>,
}

impl<K, V> Default for InputTable<K, V> {
    fn default() -> Self {
        InputTable {
            slots: RwLock::new(FxHashMap::default()),
        }
    }
}

struct InputSlot<V> {
    /// The value (`None`: unset) and the revision it was set at.
    value: RwLock<(Option<Arc<V>>, Rev)>,
}

impl<V> InputSlot<V> {
    fn get(&self) -> (Option<Arc<V>>, Rev) {
        let v = self.value.read().unwrap_or_else(PoisonError::into_inner);
        (v.0.clone(), v.1)
    }
}

impl<Db, V: Send + Sync> Node<Db> for InputSlot<V> {
    fn refresh(&self, _: &Engine<Db>) -> Rev {
        self.get().1
    }
}

impl<K: Clone + Eq + Hash, V> InputTable<K, V> {
    fn slot(&self, key: &K) -> Arc<InputSlot<V>> {
        slot_in(&self.slots, key, || InputSlot {
            value: RwLock::new((None, 0)),
        })
    }

    /// Keys held, set or not.
    pub fn len(&self) -> usize {
        self.slots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops unset keys no memo has read (a memo holding the slot must see
    /// a later `set` of it, so those stay). Returns how many were dropped.
    fn sweep(&mut self) -> usize {
        let slots = self.slots.get_mut().unwrap_or_else(PoisonError::into_inner);
        let before = slots.len();
        slots.retain(|_, s| Arc::strong_count(s) > 1 || s.get().0.is_some());
        before - slots.len()
    }
}

// ---- derived values ---------------------------------------------------------

/// The memos of one [`Query`].
pub struct Table<Db, Q: Query<Db>> {
    slots: Slots<Q::Key, Slot<Db, Q>>,
}

impl<Db, Q: Query<Db>> Default for Table<Db, Q> {
    fn default() -> Self {
        Table {
            slots: RwLock::new(FxHashMap::default()),
        }
    }
}

impl<Db, Q: Query<Db>> Table<Db, Q> {
    fn slot(&self, key: &Q::Key) -> Arc<Slot<Db, Q>> {
        slot_in(&self.slots, key, || Slot {
            key: key.clone(),
            computing: AtomicU64::new(0),
            memo: Mutex::new(None),
        })
    }

    /// Memos held.
    pub fn len(&self) -> usize {
        self.slots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every memo's value (keeping the slots, which readers may hold):
    /// the next read computes it again.
    fn discard(&self) {
        let slots = self.slots.read().unwrap_or_else(PoisonError::into_inner);
        for slot in slots.values() {
            *lock(&slot.memo) = None;
        }
    }

    /// Drops the memos not verified at `now`. Safe right after a full pass:
    /// a memo verified at `now` had all its dependencies brought up to `now`
    /// too, so no memo that stays holds a slot that goes.
    fn sweep(&mut self, now: Rev) -> usize {
        let slots = self.slots.get_mut().unwrap_or_else(PoisonError::into_inner);
        let before = slots.len();
        slots.retain(|_, s| lock(&s.memo).as_ref().is_some_and(|m| m.verified_at == now));
        before - slots.len()
    }
}

struct Memo<Db, V> {
    value: Arc<V>,
    verified_at: Rev,
    changed_at: Rev,
    /// What `compute` read, in the order it read it.
    deps: Box<[Dep<Db>]>,
}

struct Slot<Db, Q: Query<Db>> {
    key: Q::Key,
    /// The tag of the thread verifying or computing this memo (0: none), so
    /// that a query reading itself panics instead of deadlocking on `memo`.
    computing: AtomicU64,
    memo: Mutex<Option<Memo<Db, Q::Value>>>,
}

/// A small number naming the current thread (never 0).
fn thread_tag() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local!(static TAG: u64 = NEXT.fetch_add(1, Ordering::Relaxed));
    TAG.with(|t| *t)
}

/// Marks a slot as being computed by this thread until dropped — also when
/// `compute` panics, so that the next read on this thread is not mistaken for
/// a cycle.
struct Computing<'a>(&'a AtomicU64);

impl<'a> Computing<'a> {
    fn claim(flag: &'a AtomicU64, tag: u64) -> Self {
        flag.store(tag, Ordering::Relaxed);
        Computing(flag)
    }
}

impl Drop for Computing<'_> {
    fn drop(&mut self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

impl<Db: Sync + Send + 'static, Q: Query<Db>> Slot<Db, Q> {
    /// The value, up to date, and the revision it last changed at. The memo
    /// stays locked while it is verified or computed: another thread wanting
    /// it waits instead of computing it again.
    fn fetch(&self, engine: &Engine<Db>) -> (Arc<Q::Value>, Rev) {
        let tag = thread_tag();
        // Only this thread stores its own tag, so the check is exact for it.
        if self.computing.load(Ordering::Relaxed) == tag {
            panic!("cycle: a query read itself");
        }
        let mut memo = lock(&self.memo);
        // Declared after `memo`: dropped (cleared) before the lock is released.
        let _computing = Computing::claim(&self.computing, tag);
        let now = engine.rev;
        if let Some(m) = memo.as_mut()
            && (m.verified_at == now || unchanged_since(&m.deps, m.verified_at, engine))
        {
            m.verified_at = now;
            return (m.value.clone(), m.changed_at);
        }
        let old = memo.as_ref().map(|m| m.value.clone());
        let (value, deps) = engine.compute::<Q>(&self.key, old.as_deref());
        let (value, changed_at) = match memo.take() {
            // Backdating: readers of an equal value need not recompute.
            Some(old) if *old.value == value => (old.value, old.changed_at),
            _ => (Arc::new(value), now),
        };
        *memo = Some(Memo {
            value: value.clone(),
            verified_at: now,
            changed_at,
            deps,
        });
        (value, changed_at)
    }
}

/// Whether none of `deps` changed after `verified_at`, bringing them up to
/// date in read order and stopping at the first that changed.
fn unchanged_since<Db>(deps: &[Dep<Db>], verified_at: Rev, engine: &Engine<Db>) -> bool {
    deps.iter().all(|d| d.refresh(engine) <= verified_at)
}

impl<Db: Sync + Send + 'static, Q: Query<Db>> Node<Db> for Slot<Db, Q> {
    fn refresh(&self, engine: &Engine<Db>) -> Rev {
        self.fetch(engine).1
    }
}

// ---- engine and context -----------------------------------------------------

/// The database `Db` (a struct of [`Table`]s and [`InputTable`]s) and the
/// current revision.
pub struct Engine<Db> {
    pub db: Db,
    rev: Rev,
}

/// What a computation reads through: each read is recorded as a dependency.
pub struct Cx<'e, Db> {
    engine: &'e Engine<Db>,
    deps: RefCell<Vec<Dep<Db>>>,
}

/// A database whose memos [`Engine::sweep`] can free: implemented by calling
/// the [`Sweeper`] on each table, derived tables before input tables (freeing
/// memos releases the inputs they held).
pub trait Sweep {
    fn sweep(&mut self, sweeper: &mut Sweeper);
}

/// Frees the memos of each table it is given; counts what it freed.
pub struct Sweeper {
    now: Rev,
    freed: usize,
}

impl Sweeper {
    pub fn table<Db, Q: Query<Db>>(&mut self, table: &mut Table<Db, Q>) {
        self.freed += table.sweep(self.now);
    }

    pub fn inputs<K: Clone + Eq + Hash, V>(&mut self, table: &mut InputTable<K, V>) {
        self.freed += table.sweep();
    }
}

impl<Db: Sync + Send + 'static> Engine<Db> {
    pub fn new(db: Db) -> Self {
        Engine { db, rev: 1 }
    }

    /// Sets (`Some`) or unsets (`None`) an input. A value different from the
    /// current one starts a new revision; an equal one changes nothing.
    pub fn set<I: Input<Db>>(&mut self, key: I::Key, value: Option<I::Value>) {
        let slot = I::table(&self.db).slot(&key);
        let mut current = slot.value.write().unwrap_or_else(PoisonError::into_inner);
        if current.0.as_deref() == value.as_ref() {
            return;
        }
        self.rev += 1;
        *current = (value.map(Arc::new), self.rev);
    }

    /// A context for reads from outside any query (what it records is
    /// dropped with it).
    pub fn cx(&self) -> Cx<'_, Db> {
        Cx::new(self)
    }

    pub fn revision(&self) -> Rev {
        self.rev
    }

    /// Frees the memos not read since the last [`Engine::set`] and the unset
    /// inputs nothing reads. Call it right after a full pass — a build that
    /// read everything still wanted — or it frees memos that are merely not
    /// read yet (correct, but they will be computed again). Returns how many
    /// memos and input slots it freed.
    pub fn sweep(&mut self) -> usize
    where
        Db: Sweep,
    {
        let mut sweeper = Sweeper {
            now: self.rev,
            freed: 0,
        };
        self.db.sweep(&mut sweeper);
        sweeper.freed
    }

    /// Drops every value of query `Q`, for a value whose last reader is done
    /// (a one-shot build's print sections, once `print.html` is written).
    /// Costs nothing in correctness: a later read computes it again.
    pub fn discard<Q: Query<Db>>(&self) {
        Q::table(&self.db).discard();
    }

    /// Runs `Q::compute`, returning its value and what it read.
    fn compute<Q: Query<Db>>(
        &self,
        key: &Q::Key,
        old: Option<&Q::Value>,
    ) -> (Q::Value, Box<[Dep<Db>]>) {
        let cx = Cx::new(self);
        let value = Q::compute_from(&cx, key, old);
        (value, cx.deps.into_inner().into_boxed_slice())
    }
}

impl<'e, Db: Sync + Send + 'static> Cx<'e, Db> {
    fn new(engine: &'e Engine<Db>) -> Self {
        Cx {
            engine,
            deps: RefCell::new(Vec::new()),
        }
    }

    /// The database, for what is not memoised (a dictionary, say). Reading
    /// it records nothing: a query may use it only for what cannot change
    /// its value.
    pub fn db(&self) -> &'e Db {
        &self.engine.db
    }

    /// The value of query `Q` for `key`, up to date; records the read.
    pub fn get<Q: Query<Db>>(&self, key: &Q::Key) -> Arc<Q::Value> {
        let slot = Q::table(&self.engine.db).slot(key);
        let (value, _) = slot.fetch(self.engine);
        self.deps.borrow_mut().push(slot);
        value
    }

    /// The value of query `Q` for `key`, computed here and not kept: for a
    /// value read once (a page of a one-shot build, written and dropped).
    /// What its computation read is recorded as read by this one.
    pub fn once<Q: Query<Db>>(&self, key: &Q::Key) -> Q::Value {
        let (value, deps) = self.engine.compute::<Q>(key, None);
        self.deps.borrow_mut().extend(deps);
        value
    }

    /// The value of input `I` for `key` (`None`: unset); records the read.
    pub fn input<I: Input<Db>>(&self, key: &I::Key) -> Option<Arc<I::Value>> {
        let slot = I::table(&self.engine.db).slot(key);
        let (value, _) = slot.get();
        self.deps.borrow_mut().push(slot);
        value
    }

    /// `f` over `items` on rayon's pool, each call with its own context; what
    /// they read is recorded as read by this computation, in item order.
    pub fn par_map<T: Sync, R: Send>(
        &self,
        items: &[T],
        f: impl Fn(&Cx<'e, Db>, &T) -> R + Sync + Send,
    ) -> Vec<R> {
        use rayon::prelude::*;
        let engine = self.engine;
        let results: Vec<(R, Vec<Dep<Db>>)> = items
            .par_iter()
            .map(|item| {
                let cx = Cx::new(engine);
                let r = f(&cx, item);
                (r, cx.deps.into_inner())
            })
            .collect();
        let mut deps = self.deps.borrow_mut();
        results
            .into_iter()
            .map(|(r, d)| {
                deps.extend(d);
                r
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::*;

    // ---- a small database for the behaviour tests ---------------------------

    struct Text;
    struct Listing;

    #[derive(Default)]
    struct Db {
        text: InputTable<u32, String>,
        listing: InputTable<(), Vec<u32>>,
        len: Table<Db, Len>,
        parity: Table<Db, Parity>,
        label: Table<Db, Label>,
        total: Table<Db, Total>,
        risky: Table<Db, Risky>,
        itself: Table<Db, Itself>,
        /// Which query ran for which key, in any order.
        runs: Mutex<Vec<(&'static str, u32)>>,
    }

    impl Input<Db> for Text {
        type Key = u32;
        type Value = String;
        fn table(db: &Db) -> &InputTable<u32, String> {
            &db.text
        }
    }

    impl Input<Db> for Listing {
        type Key = ();
        type Value = Vec<u32>;
        fn table(db: &Db) -> &InputTable<(), Vec<u32>> {
            &db.listing
        }
    }

    impl Sweep for Db {
        fn sweep(&mut self, s: &mut Sweeper) {
            s.table(&mut self.len);
            s.table(&mut self.parity);
            s.table(&mut self.label);
            s.table(&mut self.total);
            s.table(&mut self.risky);
            s.table(&mut self.itself);
            s.inputs(&mut self.text);
            s.inputs(&mut self.listing);
        }
    }

    fn log(cx: &Cx<'_, Db>, query: &'static str, key: u32) {
        lock(&cx.engine.db.runs).push((query, key));
    }

    /// The runs since the last call, sorted.
    fn runs(e: &Engine<Db>) -> Vec<(&'static str, u32)> {
        let mut runs = std::mem::take(&mut *lock(&e.db.runs));
        runs.sort();
        runs
    }

    query!(Db; Len: u32 => Option<usize>, len, |cx, k| {
        log(cx, "len", *k);
        cx.input::<Text>(k).map(|t| t.len())
    });

    query!(Db; Parity: u32 => bool, parity, |cx, k| {
        log(cx, "parity", *k);
        cx.get::<Len>(k).is_some_and(|n| n % 2 == 0)
    });

    query!(Db; Label: u32 => &'static str, label, |cx, k| {
        log(cx, "label", *k);
        if *cx.get::<Parity>(k) { "even" } else { "odd" }
    });

    query!(Db; Total: () => usize, total, |cx, _k| {
        log(cx, "total", 0);
        let ids = cx.input::<Listing>(&()).map_or_else(Vec::new, |l| l.to_vec());
        cx.par_map(&ids, |cx, id| cx.get::<Len>(id).unwrap_or(0)).iter().sum()
    });

    query!(Db; Risky: u32 => String, risky, |cx, k| {
        log(cx, "risky", *k);
        let text = cx.input::<Text>(k).map_or_else(String::new, |t| t.to_string());
        if text == "panic" {
            panic!("boom");
        }
        text
    });

    query!(Db; Itself: u32 => u32, itself, |cx, k| *cx.get::<Itself>(k));

    fn engine(texts: &[(u32, &str)]) -> Engine<Db> {
        let mut e = Engine::new(Db::default());
        for &(k, t) in texts {
            e.set::<Text>(k, Some(t.to_string()));
        }
        e
    }

    /// The panic message of `f`, which must panic.
    fn panic_message(f: impl FnOnce()) -> String {
        let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("should panic");
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    }

    #[test]
    fn a_derived_value_recomputes_only_when_something_it_read_changed() {
        let mut e = engine(&[(1, "a"), (2, "bb")]);
        assert_eq!(*e.cx().get::<Len>(&1), Some(1));
        assert_eq!(*e.cx().get::<Len>(&2), Some(2));
        assert_eq!(runs(&e), [("len", 1), ("len", 2)]);

        // Nothing changed: both memos are reused.
        e.cx().get::<Len>(&1);
        e.cx().get::<Len>(&2);
        assert_eq!(runs(&e), []);

        // Only the reader of key 2 recomputes.
        e.set::<Text>(2, Some("ccc".into()));
        assert_eq!(*e.cx().get::<Len>(&1), Some(1));
        assert_eq!(*e.cx().get::<Len>(&2), Some(3));
        assert_eq!(runs(&e), [("len", 2)]);

        // Setting an equal value is no change at all.
        let rev = e.revision();
        e.set::<Text>(2, Some("ccc".into()));
        assert_eq!(e.revision(), rev);
        e.cx().get::<Len>(&2);
        assert_eq!(runs(&e), []);
    }

    #[test]
    fn an_equal_intermediate_value_does_not_recompute_its_dependents() {
        let mut e = engine(&[(1, "ab")]);
        assert_eq!(*e.cx().get::<Label>(&1), "even");
        assert_eq!(runs(&e), [("label", 1), ("len", 1), ("parity", 1)]);

        // The length changes but the parity does not: the label is reused.
        e.set::<Text>(1, Some("abcd".into()));
        assert_eq!(*e.cx().get::<Label>(&1), "even");
        assert_eq!(runs(&e), [("len", 1), ("parity", 1)]);

        // An equal length stops one level earlier.
        e.set::<Text>(1, Some("wxyz".into()));
        assert_eq!(*e.cx().get::<Label>(&1), "even");
        assert_eq!(runs(&e), [("len", 1)]);

        e.set::<Text>(1, Some("abc".into()));
        assert_eq!(*e.cx().get::<Label>(&1), "odd");
        assert_eq!(runs(&e), [("label", 1), ("len", 1), ("parity", 1)]);
    }

    #[test]
    fn a_value_computed_once_or_discarded_is_computed_again_when_read() {
        let mut e = engine(&[(1, "ab")]);
        // `once` computes and keeps nothing of its own; what it read is kept.
        assert_eq!(e.cx().once::<Label>(&1), "even");
        assert_eq!(runs(&e), [("label", 1), ("len", 1), ("parity", 1)]);
        assert_eq!(*e.cx().get::<Label>(&1), "even");
        assert_eq!(runs(&e), [("label", 1)]);

        // A discarded value is computed again, and its readers stay right.
        e.discard::<Parity>();
        assert!(*e.cx().get::<Parity>(&1));
        assert_eq!(runs(&e), [("parity", 1)]);
        e.discard::<Len>();
        e.set::<Text>(1, Some("abc".into()));
        assert_eq!(*e.cx().get::<Label>(&1), "odd");
        assert_eq!(runs(&e), [("label", 1), ("len", 1), ("parity", 1)]);
    }

    #[test]
    fn reads_through_par_map_are_recorded() {
        let texts: Vec<(u32, String)> = (1..=20).map(|k| (k, "x".repeat(k as usize))).collect();
        let texts: Vec<(u32, &str)> = texts.iter().map(|(k, t)| (*k, t.as_str())).collect();
        let mut e = engine(&texts);
        e.set::<Listing>((), Some((1..=20).collect()));
        assert_eq!(*e.cx().get::<Total>(&()), 210);
        assert_eq!(runs(&e).len(), 21);

        // A worker's read invalidates the query that called par_map.
        e.set::<Text>(7, Some("x".into()));
        assert_eq!(*e.cx().get::<Total>(&()), 204);
        assert_eq!(runs(&e), [("len", 7), ("total", 0)]);

        // An input no worker read does not.
        e.set::<Text>(99, Some("unread".into()));
        assert_eq!(*e.cx().get::<Total>(&()), 204);
        assert_eq!(runs(&e), []);
    }

    #[test]
    fn unset_inputs_read_as_none_and_setting_them_invalidates_readers() {
        let mut e = engine(&[]);
        assert_eq!(*e.cx().get::<Len>(&5), None);
        assert_eq!(e.cx().input::<Text>(&5), None);

        e.set::<Text>(5, Some("abc".into()));
        assert_eq!(*e.cx().get::<Len>(&5), Some(3));

        e.set::<Text>(5, None);
        assert_eq!(*e.cx().get::<Len>(&5), None);
        assert_eq!(runs(&e), [("len", 5), ("len", 5), ("len", 5)]);
    }

    #[test]
    fn a_panicking_query_leaves_the_engine_usable() {
        let mut e = engine(&[(1, "fine")]);
        assert_eq!(*e.cx().get::<Risky>(&1), "fine");

        e.set::<Text>(1, Some("panic".into()));
        assert_eq!(panic_message(|| drop(e.cx().get::<Risky>(&1))), "boom");
        // Read again on the same thread: the query runs again (and panics
        // again) instead of being taken for a query that reads itself.
        assert_eq!(panic_message(|| drop(e.cx().get::<Risky>(&1))), "boom");

        e.set::<Text>(1, Some("again".into()));
        assert_eq!(*e.cx().get::<Risky>(&1), "again");
        assert_eq!(runs(&e), [("risky", 1); 4]);

        // And again: a panic between two equal values changes nothing.
        e.set::<Text>(1, Some("panic".into()));
        assert_eq!(panic_message(|| drop(e.cx().get::<Risky>(&1))), "boom");
        e.set::<Text>(1, Some("again".into()));
        assert_eq!(*e.cx().get::<Risky>(&1), "again");
    }

    #[test]
    fn a_query_that_reads_itself_panics_instead_of_deadlocking() {
        let e = engine(&[]);
        let message = panic_message(|| drop(e.cx().get::<Itself>(&1)));
        assert!(message.starts_with("cycle"), "{message}");
    }

    #[test]
    fn sweep_frees_what_the_latest_pass_did_not_read() {
        let mut e = engine(&[(1, "a"), (2, "bb"), (3, "ccc")]);
        e.set::<Listing>((), Some(vec![1, 2, 3]));
        assert_eq!(*e.cx().get::<Total>(&()), 6);

        e.set::<Text>(3, None);
        e.set::<Listing>((), Some(vec![1, 2]));
        assert_eq!(*e.cx().get::<Total>(&()), 3);
        // Len(3) and the unset text 3 it held.
        assert_eq!(e.sweep(), 2);
        assert_eq!(
            (e.db.len.len(), e.db.total.len(), e.db.text.len()),
            (2, 1, 2)
        );

        // What stays is still correct and still reused.
        runs(&e);
        assert_eq!(*e.cx().get::<Total>(&()), 3);
        assert_eq!(runs(&e), []);
        e.set::<Text>(3, Some("ccc".into()));
        e.set::<Listing>((), Some(vec![1, 2, 3]));
        assert_eq!(*e.cx().get::<Total>(&()), 6);
        assert_eq!(runs(&e), [("len", 3), ("total", 0)]);
    }

    // ---- differential test: a small site under random edits ---------------

    #[derive(Clone, PartialEq, Debug)]
    struct Note {
        title: String,
        links: Vec<u32>,
    }

    struct Notes;
    struct Live;

    #[derive(Default)]
    struct Site {
        notes: InputTable<u32, Note>,
        /// The IDs of the notes that exist, sorted.
        live: InputTable<(), Vec<u32>>,
        title: Table<Site, Title>,
        links: Table<Site, Links>,
        backlink_index: Table<Site, BacklinkIndex>,
        backlinks: Table<Site, Backlinks>,
        page: Table<Site, Page>,
        pages_run: Mutex<Vec<u32>>,
    }

    impl Input<Site> for Notes {
        type Key = u32;
        type Value = Note;
        fn table(db: &Site) -> &InputTable<u32, Note> {
            &db.notes
        }
    }

    impl Input<Site> for Live {
        type Key = ();
        type Value = Vec<u32>;
        fn table(db: &Site) -> &InputTable<(), Vec<u32>> {
            &db.live
        }
    }

    impl Sweep for Site {
        fn sweep(&mut self, s: &mut Sweeper) {
            s.table(&mut self.page);
            s.table(&mut self.backlinks);
            s.table(&mut self.backlink_index);
            s.table(&mut self.links);
            s.table(&mut self.title);
            s.inputs(&mut self.notes);
            s.inputs(&mut self.live);
        }
    }

    /// A page: its note's title, and each link and backlink with its title
    /// (`-`: no such note). Different reads give different pages, so a page
    /// recomputes exactly when its text changes.
    fn render(
        id: u32,
        title: impl Fn(u32) -> Option<String>,
        links: &[u32],
        back: &[u32],
    ) -> String {
        let list = |ids: &[u32]| {
            ids.iter()
                .map(|&t| format!("{t}={}", title(t).unwrap_or_else(|| "-".into())))
                .collect::<Vec<_>>()
                .join(",")
        };
        let own = title(id).unwrap_or_else(|| "-".into());
        format!("{id}:{own}|L:{}|B:{}", list(links), list(back))
    }

    query!(Site; Title: u32 => Option<String>, title, |cx, id| {
        cx.input::<Notes>(id).map(|n| n.title.clone())
    });

    query!(Site; Links: u32 => Vec<u32>, links, |cx, id| {
        cx.input::<Notes>(id).map_or_else(Vec::new, |n| n.links.clone())
    });

    // Target → the live notes linking to it, once per link, in ID order.
    query!(Site; BacklinkIndex: () => BTreeMap<u32, Vec<u32>>, backlink_index, |cx, _k| {
        let mut index: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for id in cx.input::<Live>(&()).iter().flat_map(|l| l.iter()) {
            for &target in cx.get::<Links>(id).iter() {
                index.entry(target).or_default().push(*id);
            }
        }
        index
    });

    query!(Site; Backlinks: u32 => Vec<u32>, backlinks, |cx, id| {
        cx.get::<BacklinkIndex>(&()).get(id).cloned().unwrap_or_default()
    });

    query!(Site; Page: u32 => String, page, |cx, id| {
        lock(&cx.engine.db.pages_run).push(*id);
        let own = cx.get::<Title>(id);
        let links = cx.get::<Links>(id);
        let back = cx.get::<Backlinks>(id);
        let title = |t: u32| if t == *id { (*own).clone() } else { (*cx.get::<Title>(&t)).clone() };
        render(*id, title, &links, &back)
    });

    /// The pages computed from scratch, without the engine.
    fn fresh(notes: &BTreeMap<u32, Note>) -> BTreeMap<u32, String> {
        let title = |t: u32| notes.get(&t).map(|n| n.title.clone());
        let mut back: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (id, n) in notes {
            for &t in &n.links {
                back.entry(t).or_default().push(*id);
            }
        }
        notes
            .iter()
            .map(|(&id, n)| {
                let b = back.get(&id).map_or(&[][..], |b| b.as_slice());
                (id, render(id, title, &n.links, b))
            })
            .collect()
    }

    /// xorshift64*: a reproducible sequence without a dependency.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
        }

        /// Short titles from a small alphabet, so that edits often restore an
        /// equal title (no change) and titles collide across notes.
        fn title(&mut self) -> String {
            (0..1 + self.below(2))
                .map(|_| ['a', 'b', 'c'][self.below(3)])
                .collect()
        }

        /// Up to three links, some to notes that do not exist (yet).
        fn links(&mut self, next_id: u32) -> Vec<u32> {
            (0..self.below(4))
                .map(|_| self.below(next_id as usize + 3) as u32)
                .collect()
        }
    }

    /// Every live page, built on rayon's pool or on this thread.
    fn build(e: &Engine<Site>, parallel: bool) -> BTreeMap<u32, String> {
        let cx = e.cx();
        let live = cx.input::<Live>(&()).map_or_else(Vec::new, |l| l.to_vec());
        let page = |cx: &Cx<'_, Site>, id: &u32| (*id, (*cx.get::<Page>(id)).clone());
        if parallel {
            cx.par_map(&live, page).into_iter().collect()
        } else {
            live.iter().map(|id| page(&cx, id)).collect()
        }
    }

    #[test]
    fn pages_match_a_fresh_computation_and_recompute_exactly_when_they_change() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut e = Engine::new(Site::default());
        // The model: the notes that exist. Deleted IDs are never reused, so
        // every page that recomputes was built in the previous pass.
        let mut notes: BTreeMap<u32, Note> = BTreeMap::new();
        let mut next_id = 0;
        let mut previous: BTreeMap<u32, String> = BTreeMap::new();
        let mut edits = [0usize; 5];
        for step in 0..300 {
            let ids: Vec<u32> = notes.keys().copied().collect();
            let roll = rng.below(100);
            let kind = if ids.len() < 3 || roll < 15 {
                let note = Note {
                    title: rng.title(),
                    links: rng.links(next_id),
                };
                notes.insert(next_id, note);
                next_id += 1;
                0
            } else if roll < 30 {
                notes.remove(&ids[rng.below(ids.len())]);
                1
            } else if roll < 60 {
                notes.get_mut(&ids[rng.below(ids.len())]).unwrap().title = rng.title();
                2
            } else if roll < 90 {
                notes.get_mut(&ids[rng.below(ids.len())]).unwrap().links = rng.links(next_id);
                3
            } else {
                4 // Sets every input to its current value: no change.
            };
            edits[kind] += 1;
            // Mirror the model into the engine's inputs.
            for id in 0..next_id {
                e.set::<Notes>(id, notes.get(&id).cloned());
            }
            e.set::<Live>((), Some(notes.keys().copied().collect()));

            let pages = build(&e, step % 2 == 1);
            assert_eq!(pages, fresh(&notes), "after edit {step}");
            let mut run = std::mem::take(&mut *lock(&e.db.pages_run));
            run.sort();
            let changed: Vec<u32> = pages
                .iter()
                .filter(|(id, p)| previous.get(id) != Some(p))
                .map(|(id, _)| *id)
                .collect();
            assert_eq!(
                run, changed,
                "pages recomputed vs pages changed, after edit {step}"
            );
            previous = pages;
            if step % 25 == 24 {
                e.sweep();
                assert_eq!(e.db.page.len(), notes.len());
            }
        }
        // Every kind of edit happened often enough to mean something.
        assert!(edits.iter().all(|&n| n >= 15), "{edits:?}");
    }
}
