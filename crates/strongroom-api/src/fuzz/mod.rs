//! The bodies of the fuzz targets on the wire layer (`fuzz/fuzz_targets/`):
//! JSON 1.1 requests (Secrets Manager's and KMS's), Query (form) requests
//! and ListSecrets filters. Also
//! run by `cargo test` over every file of the committed seed corpora
//! (`fuzz/corpus/<target>/`), so the targets are exercised without
//! libFuzzer.
//!
//! The properties checked besides "no panic": bad input is a 4xx with the
//! model's code, never a 500; a JSON decoding error never quotes the body;
//! ListSecrets returns, page after page, exactly the secrets the filter
//! rules (`strongroom_domain::filter`) select, each once.

mod fixture;
mod json;
mod list_filters;
mod query;

pub use json::{json_1_1, kms};
pub use list_filters::list_secrets_filters;
pub use query::query;

#[cfg(test)]
mod tests {
    /// Every file of `fuzz/corpus/<target>/`.
    fn seed_corpus(target: &str) -> Vec<(String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/corpus")
            .join(target);
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| {
                let path = entry.expect("directory entry").path();
                let data = std::fs::read(&path).expect("read a corpus file");
                (path.display().to_string(), data)
            })
            .collect();
        assert!(!files.is_empty(), "no seed corpus in {}", dir.display());
        files.sort();
        files
    }

    fn run(target: &str, body: fn(&[u8])) {
        for (path, data) in seed_corpus(target) {
            eprintln!("{path}");
            body(&data);
        }
    }

    #[test]
    fn json_1_1_seed_corpus_runs_clean() {
        run("json_1_1", super::json_1_1);
    }

    #[test]
    fn kms_seed_corpus_runs_clean() {
        run("kms", super::kms);
    }

    #[test]
    fn query_seed_corpus_runs_clean() {
        run("query", super::query);
    }

    #[test]
    fn list_secrets_filters_seed_corpus_runs_clean() {
        run("list_secrets_filters", super::list_secrets_filters);
    }

    /// The KMS seeds reach the seeded keys: these answer with success.
    #[test]
    fn kms_seeds_reach_the_keys() {
        let answered: Vec<String> = seed_corpus("kms")
            .iter()
            .filter(|(_, data)| super::json::answered_kms(data))
            .filter_map(|(path, _)| path.rsplit('/').next().map(str::to_owned))
            .collect();
        for seed in [
            "encrypt",
            "encrypt-arn",
            "encrypt-rsa",
            "generate-data-key",
            "generate-data-key-pair",
            "sign-ecc",
            "sign-digest",
            "generate-mac",
            "get-public-key",
            "describe-key",
            "list-keys",
            "list-aliases",
            "get-key-policy",
        ] {
            assert!(answered.iter().any(|a| a == seed), "{seed}: {answered:?}");
        }
    }

    /// The filter seeds reach the comparison: some select a few secrets,
    /// not all or none.
    #[test]
    fn filter_seeds_select_some_secrets() {
        let selective = seed_corpus("list_secrets_filters")
            .iter()
            .filter_map(|(_, data)| super::list_filters::listed(data))
            .filter(|n| *n > 0 && *n < super::fixture::fixture().secrets.len())
            .count();
        assert!(selective >= 5, "{selective}");
    }
}
