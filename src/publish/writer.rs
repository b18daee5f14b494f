//! Object writes in parallel: tiles and receipts are made on the caller's thread (the ledger is
//! one SQLite connection) and handed to a few writer threads, since a put mostly waits on the
//! disk or the network.

use super::report::{KindTotals, ObjectKind};
use crate::objects::{Cache, ObjectError, Objects};
use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, MutexGuard};

/// Writer threads: enough to overlap the waits of a put (an fsync, a round trip).
pub const WRITERS: usize = 16;

enum Op {
    Put {
        kind: ObjectKind,
        path: String,
        bytes: Vec<u8>,
        content_type: &'static str,
        cache: Cache,
    },
    Delete {
        path: String,
    },
}

/// What the writers did.
#[derive(Default, Debug)]
pub struct Totals {
    pub by_kind: BTreeMap<ObjectKind, KindTotals>,
    pub deleted: u64,
}

#[derive(Default)]
struct Shared {
    totals: Mutex<Totals>,
    failed: Mutex<Option<ObjectError>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A writer never panics while holding these; a poisoned lock still holds valid counts.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The queue the caller feeds.
pub struct Pool<'s> {
    tx: SyncSender<Op>,
    shared: &'s Shared,
    queued: std::cell::Cell<u64>,
}

impl Pool<'_> {
    /// Queue a put. Fails fast once a writer has failed (the run stops; nothing after it is
    /// written, and the checkpoint is not).
    pub fn put(
        &self,
        kind: ObjectKind,
        path: String,
        bytes: Vec<u8>,
        content_type: &'static str,
        cache: Cache,
    ) -> Result<(), ObjectError> {
        self.send(Op::Put {
            kind,
            path,
            bytes,
            content_type,
            cache,
        })
    }

    /// Queue a deletion.
    pub fn delete(&self, path: String) -> Result<(), ObjectError> {
        self.send(Op::Delete { path })
    }

    /// Operations queued so far.
    pub fn queued(&self) -> u64 {
        self.queued.get()
    }

    fn send(&self, op: Op) -> Result<(), ObjectError> {
        if let Some(e) = lock(&self.shared.failed).take() {
            return Err(e);
        }
        self.queued.set(self.queued.get() + 1);
        // The writers only stop when this sender is dropped, so the send cannot fail.
        let _ = self.tx.send(op);
        Ok(())
    }
}

fn work(objects: &dyn Objects, rx: &Mutex<Receiver<Op>>, shared: &Shared) {
    loop {
        let op = match lock(rx).recv() {
            Ok(op) => op,
            Err(_) => return,
        };
        if lock(&shared.failed).is_some() {
            continue; // drain the queue without writing after a failure
        }
        let done = match op {
            Op::Put {
                kind,
                path,
                bytes,
                content_type,
                cache,
            } => objects.put(&path, &bytes, content_type, cache).map(|()| {
                let mut t = lock(&shared.totals);
                let k = t.by_kind.entry(kind).or_default();
                k.written += 1;
                k.bytes += bytes.len() as u64;
            }),
            Op::Delete { path } => objects
                .delete(&path)
                .map(|()| lock(&shared.totals).deleted += 1),
        };
        if let Err(e) = done {
            lock(&shared.failed).get_or_insert(e);
        }
    }
}

/// Run `feed` with a pool of writers on `objects`; returns once every queued operation is done.
/// The first failure (of `feed` or of a write) is the result.
pub fn with_writers<R, E: From<ObjectError>>(
    objects: &dyn Objects,
    feed: impl FnOnce(&Pool<'_>) -> Result<R, E>,
) -> Result<(R, Totals), E> {
    let shared = Shared::default();
    let (tx, rx) = sync_channel::<Op>(WRITERS * 8);
    let rx = Mutex::new(rx);
    let result = std::thread::scope(|s| {
        for _ in 0..WRITERS {
            s.spawn(|| work(objects, &rx, &shared));
        }
        let pool = Pool {
            tx,
            shared: &shared,
            queued: Default::default(),
        };
        let r = feed(&pool);
        drop(pool);
        r
    });
    let r = result?;
    if let Some(e) = lock(&shared.failed).take() {
        return Err(e.into());
    }
    let totals = std::mem::take(&mut *lock(&shared.totals));
    Ok((r, totals))
}
