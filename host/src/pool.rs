//! Run independent work on a few threads, keeping the input order, so the
//! output does not depend on `--jobs`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` of every item, on up to `jobs` scoped threads that take the next
/// item as they finish one; the results are in `items` order.
pub fn map<I: Sync, O: Send + Sync>(items: &[I], jobs: usize, work: impl Fn(&I) -> O + Sync) -> Vec<O> {
    let next = AtomicUsize::new(0);
    let slots: Vec<OnceLock<O>> = items.iter().map(|_| OnceLock::new()).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let _ = slots[i].set(work(item));
                }
            });
        }
    });
    slots.into_iter().map(|s| s.into_inner().expect("every item is done")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_whatever_the_threads() {
        let items: Vec<u64> = (0..200).collect();
        for jobs in [0, 1, 2, 7, 500] {
            let out = super::map(&items, jobs, |&i| {
                // Uneven work, so threads finish out of order.
                std::thread::sleep(std::time::Duration::from_micros((i * 37) % 50));
                i * 2
            });
            assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>(), "jobs {jobs}");
        }
        assert!(super::map(&Vec::<u8>::new(), 4, |&b| b).is_empty());
    }
}
