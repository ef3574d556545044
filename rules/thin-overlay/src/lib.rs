//! The `thin-overlay` principle: a wrapper chart depending on an upstream
//! chart should hold only overlays (ExternalSecret, NetworkPolicy, Middleware,
//! CRs). A workload in the wrapper's own templates that runs the same image as
//! a workload its upstream dependency renders re-implements that dependency.

use std::collections::BTreeMap;

use rules_sdk::prelude::*;

pub struct ThinOverlay;

impl Rule for ThinOverlay {
    fn meta(&self) -> Meta {
        Meta {
            id: "thin-overlay",
            component: "thin-overlay",
            category: Category::ReinventedWorkload,
            severity: Severity::Warning,
            summary: "Wrapper template re-implements a workload its own upstream dependency renders",
            replace_with: "the dependency's values (replicas, extra containers, volumes, env) and only overlays in the wrapper's templates: ExternalSecret, NetworkPolicy, Middleware, CRs",
            sources: &[
                "https://helm.sh/docs/chart_best_practices/dependencies/",
                "https://helm.sh/docs/chart_template_guide/subcharts_and_globals/",
            ],
            kinds: &["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"],
            scope: Scope::WholeSet,
            supersedes: &["upstream-available"],
            docs: DOCS,
            options: &[],
        }
    }

    fn check_all(&self, objects: &[&Object], report: &mut Report) {
        // Per wrapper chart: the images its upstream dependencies run, and which dependency.
        let mut dependency_images: BTreeMap<String, Vec<(Image, String)>> = BTreeMap::new();
        for o in objects.iter().filter(|o| o.is_upstream_subchart()) {
            let dependency = o.provenance.chart.clone().unwrap_or_default();
            for c in o.containers().into_iter().filter(|c| c.role == ContainerRole::Main) {
                dependency_images.entry(o.group()).or_default().push((c.image, dependency.clone()));
            }
        }
        for o in objects.iter().filter(|o| matches!(o.origin(), Origin::Wrapper { .. } | Origin::Passthrough { .. })) {
            let Some(images) = dependency_images.get(&o.group()) else { continue };
            let Some((c, dependency)) =
                o.containers().into_iter().filter(|c| c.role == ContainerRole::Main).find_map(|c| {
                    // Same repository, also behind a registry mirror.
                    let hit = images.iter().find(|(i, _)| c.image.matches(&i.repository()) || c.image.matches(&i.path));
                    hit.map(|(_, d)| (c, d.clone()))
                })
            else {
                continue;
            };
            report
                .flag(
                    o,
                    format!(
                        "{} {} runs {}, which its dependency {dependency} already renders",
                        o.display(),
                        o.origin().describe(),
                        c.image
                    ),
                )
                .at(c.field("image"))
                .replace_with(format!("{dependency} chart values; keep only overlays in the wrapper's templates"));
        }
    }
}

const DOCS: &str = "\
## What it detects
A workload in a wrapper chart's own templates (or passed through an `extraObjects` value) that runs the same
image repository as a workload rendered by one of the wrapper's own upstream dependencies
(`# Source: wrapper/charts/<dependency>/...`).

## Why it matters
The wrapper already depends on the upstream chart; a second, hand-written copy of its workload drifts from the
dependency's upgrades, probes and security settings, and doubles what the team must own.

## What to use instead
The dependency's values (replicas, modes, extra containers, volumes, env); keep the wrapper's templates to
overlays: ExternalSecret, NetworkPolicy, Middleware, CRs.

## Example
```yaml
# Source: platform-otel/charts/opentelemetry-collector/templates/daemonset.yaml   (the dependency)
# Source: platform-otel/templates/gateway.yaml                                      (flagged)
kind: Deployment
spec:
  template:
    spec:
      containers:
        - image: otel/opentelemetry-collector-k8s:0.158.0   # use a second release of the chart, mode: deployment
```
";

rules_sdk::export_rules!(ThinOverlay);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        rules_sdk::testing::check_fixtures(&[&ThinOverlay], "thin-overlay");
    }
}
