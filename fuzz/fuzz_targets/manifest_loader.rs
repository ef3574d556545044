//! Arbitrary bytes through the manifest loader: it must never panic, and what it
//! returns must be consistent with the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let loaded = rewheel_manifest::load_str("fuzz.yaml", text);
    let lines = text.split('\n').count() as u32;
    for object in &loaded.objects {
        assert!(object.provenance.line >= 1 && object.provenance.line <= lines, "object line out of range");
        assert!(object.provenance.document < loaded.documents, "document index out of range");
        assert!(!object.kind.is_empty() && !object.api_version.is_empty());
    }
    for error in &loaded.errors {
        assert!(error.line >= 1 && error.line <= lines, "error line {} out of 1..={lines}", error.line);
        assert!(error.document < loaded.documents);
    }
    for skipped in &loaded.skipped {
        assert!(skipped.document < loaded.documents);
    }
    // Deterministic: the same text loads the same way.
    assert_eq!(rewheel_manifest::load_str("fuzz.yaml", text), loaded);
});
