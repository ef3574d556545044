//! What each container runs, decided once by the host so every rule, built
//! in or third-party, gets the same answer: the team's `[[catalog.images]]`
//! entries in rewheel.toml, then the curated products, then the catalog
//! mined from the charts upstream publishes (`rewheel_manifest::identity`).

use rewheel_manifest::identity::{Entry, Identifier};

use crate::config::LoadedConfig;
use crate::sandbox;

/// The identifier for a run: rewheel.toml's entries on top of the built-in catalogs.
pub fn identifier(config: &LoadedConfig) -> Identifier {
    let entries = config.config.catalog.images.iter().enumerate().map(|(i, e)| Entry {
        image: e.image.clone(),
        product: e.product.clone(),
        chart: e.chart.clone(),
        repository: e.repository.clone(),
        operator: e.operator,
        origin: config.origin(&["catalog", "images", &i.to_string()]).unwrap_or_else(|| config.file_name()),
    });
    Identifier::new(entries.collect())
}

/// The contract's identities of what the containers of `body` run.
pub fn runs(identifier: &Identifier, body: &serde_json::Value) -> Vec<sandbox::Identity> {
    let containers = identifier.containers(body).into_iter();
    containers
        .map(|(container, image, i)| sandbox::Identity {
            container,
            image,
            product: i.product,
            name: i.name,
            charts: i
                .charts
                .into_iter()
                .map(|c| sandbox::UpstreamChart { name: c.name, repository: c.repository, operator: c.operator })
                .collect(),
            operator: i.operator,
            source: i.source,
        })
        .collect()
}
