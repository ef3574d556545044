//! Answers many rules need about the same object, computed once per `check`.
//!
//! Almost every rule starts with `object.origin()`; in the built-in pack that
//! was a hundred computations per object and a fifth of the run
//! (docs/BENCHMARKS.md). The memo exists only while [`run::check`](crate::run::check)
//! runs, and answers only for that batch's own objects, recognised by address
//! and index, so an object a rule or a test builds itself is always computed
//! afresh and nothing outlives the call.

use std::cell::RefCell;

use crate::image::Image;
use crate::object::Object;
use crate::origin::Origin;
use crate::pod::ContainerRole;

thread_local! {
    static BATCH: RefCell<Option<Batch>> = const { RefCell::new(None) };
}

struct Batch {
    /// Address of the batch's first object.
    start: usize,
    origins: Vec<Option<Origin>>,
    /// Each object's containers' roles and images, in `containers()` order.
    images: Vec<Option<Vec<(ContainerRole, Image)>>>,
}

impl Batch {
    /// The slot of `object`, if it is one of the batch's own.
    fn slot(&self, object: &Object) -> Option<usize> {
        let i = object.index as usize;
        let address = self.start.checked_add(i.checked_mul(size_of::<Object>())?)?;
        (i < self.origins.len() && address == object as *const Object as usize).then_some(i)
    }
}

/// Run `f` with the memo on for `objects` (each `objects[i].index == i`).
pub(crate) fn during<R>(objects: &[Object], f: impl FnOnce() -> R) -> R {
    /// Clears the memo however `f` ends.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            BATCH.with(|b| *b.borrow_mut() = None);
        }
    }
    let batch = Batch {
        start: objects.as_ptr() as usize,
        origins: vec![None; objects.len()],
        images: vec![None; objects.len()],
    };
    BATCH.with(|b| *b.borrow_mut() = Some(batch));
    let _clear = Clear;
    f()
}

/// `compute(object)`, remembered for the batch's objects.
pub(crate) fn origin(object: &Object, compute: fn(&Object) -> Origin) -> Origin {
    let known = BATCH.with(|b| {
        let b = b.borrow();
        let batch = b.as_ref()?;
        batch.origins[batch.slot(object)?].clone()
    });
    if let Some(origin) = known {
        return origin;
    }
    let origin = compute(object);
    BATCH.with(|b| {
        if let Some(batch) = b.borrow_mut().as_mut()
            && let Some(i) = batch.slot(object)
        {
            batch.origins[i] = Some(origin.clone());
        }
    });
    origin
}

/// `f` of the roles and images of `object`'s containers, remembered for the
/// batch's objects: whole-batch scans ("does this wrapper run Mimir?") ask it
/// of every workload, once per rule.
pub(crate) fn with_images<R>(object: &Object, f: impl FnOnce(&[(ContainerRole, Image)]) -> R) -> R {
    let compute =
        || -> Vec<(ContainerRole, Image)> { object.containers().into_iter().map(|c| (c.role, c.image)).collect() };
    let in_batch = BATCH.with(|b| b.borrow().as_ref().and_then(|batch| batch.slot(object)));
    let Some(i) = in_batch else { return f(&compute()) };
    let known = BATCH.with(|b| b.borrow().as_ref().is_some_and(|batch| batch.images[i].is_some()));
    if !known {
        let images = compute();
        BATCH.with(|b| {
            if let Some(batch) = b.borrow_mut().as_mut() {
                batch.images[i] = Some(images);
            }
        });
    }
    BATCH.with(|b| {
        let b = b.borrow();
        let images = b.as_ref().and_then(|batch| batch.images[i].as_deref()).expect("remembered above");
        f(images)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Provenance;

    fn object(index: u32, template: &str) -> Object {
        Object {
            index,
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: None,
            name: "c".into(),
            labels: Default::default(),
            annotations: Default::default(),
            provenance: Provenance { template: Some(template.into()), ..Provenance::default() },
            runs: Vec::new(),
            body: serde_json::json!({}),
        }
    }

    #[test]
    fn remembers_only_the_batch_objects_and_only_during_the_call() {
        let batch = vec![object(0, "w/templates/a.yaml"), object(1, "w/charts/redis/templates/b.yaml")];
        thread_local!(static CALLS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
        fn counting(o: &Object) -> Origin {
            CALLS.with(|c| c.set(c.get() + 1));
            Origin::of(o)
        }
        during(&batch, || {
            for _ in 0..3 {
                assert!(origin(&batch[0], counting).is_local());
                assert!(!origin(&batch[1], counting).is_local());
            }
            // Same index, another object: computed, not taken from the memo.
            let stranger = object(0, "w/charts/redis/templates/c.yaml");
            assert!(!origin(&stranger, counting).is_local());
            assert!(!origin(&stranger, counting).is_local());
        });
        assert_eq!(CALLS.with(|c| c.get()), 2 + 2);
        // After the call, nothing is remembered.
        assert!(origin(&batch[0], counting).is_local());
        assert_eq!(CALLS.with(|c| c.get()), 5);
    }

    #[test]
    fn remembered_images_are_the_containers_images() {
        let mut web = object(0, "w/templates/web.yaml");
        web.kind = "Deployment".into();
        web.body = serde_json::json!({"spec": {"template": {"spec": {
            "initContainers": [{"name": "init", "image": "busybox:1.36"}],
            "containers": [{"name": "web", "image": "docker.io/library/nginx:1.27"}]
        }}}});
        let images =
            |o: &Object| with_images(o, |found| found.iter().map(|(r, i)| (*r, i.path.clone())).collect::<Vec<_>>());
        let expected = vec![(ContainerRole::Init, "busybox".to_string()), (ContainerRole::Main, "nginx".to_string())];
        assert_eq!(images(&web), expected);
        let batch = vec![web];
        during(&batch, || {
            assert_eq!(images(&batch[0]), expected);
            assert_eq!(images(&batch[0]), expected, "from the memo");
        });
    }
}
