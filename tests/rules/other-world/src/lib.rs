//! A component of an unrelated world (`acme:tools/tool`).

wit_bindgen::generate!({ path: "wit", world: "tool" });

struct Tool;

impl Guest for Tool {
    fn run(input: String) -> String {
        input
    }
}

export!(Tool);
