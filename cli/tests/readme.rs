//! cli/README.md holds the current `--help` text of every command.

mod common;

#[test]
fn the_readme_holds_every_help_text() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("cli/README.md");
    for args in [
        &["--help"][..],
        &["rotate", "--help"],
        &["tokens", "upload", "--help"],
        &["template", "create", "--help"],
    ] {
        let out = std::process::Command::new(common::BIN)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            readme.contains(&format!("```text\n{help}```")),
            "cli/README.md does not hold the output of `descope-mgmt {}`; regenerate that section",
            args.join(" ")
        );
    }
}
