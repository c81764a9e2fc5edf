//! `platc set-image`: a format-preserving edit of one spec, then a rebuild.

use std::path::Path;

use crate::support::fixture;

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn run(root: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["platc", "--color", "never"];
    all.extend_from_slice(args);
    all.push(root.to_str().unwrap());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = platc::cli::run(all, root, false, &mut out, &mut err);
    (code, String::from_utf8(err).unwrap())
}

#[test]
fn set_image_changes_only_the_tag_and_rebuilds() {
    let temp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("monorepo"), temp.path());
    let spec = temp.path().join("services/payment-service/platc.kdl");
    let before = std::fs::read_to_string(&spec).unwrap();
    assert!(before.contains("image \"payment-service\" tag=\"2.3.0\""));

    let (code, stderr) = run(temp.path(), &["set-image", "payment-service", "2.4.1", "--env", "production"]);
    assert_eq!(code, 0, "{stderr}");
    let after = std::fs::read_to_string(&spec).unwrap();
    assert_eq!(after, before.replace("tag=\"2.3.0\"", "tag=\"2.4.1\""), "only the tag changes");
    let deployment =
        std::fs::read_to_string(temp.path().join("services/payment-service/deploy/production/deployment.yaml"))
            .unwrap();
    assert!(deployment.contains("image: ghcr.io/acme/payment-service:2.4.1"));
    let staging =
        std::fs::read_to_string(temp.path().join("services/payment-service/deploy/staging/deployment.yaml")).unwrap();
    assert!(staging.contains("image: ghcr.io/acme/payment-service:2.3.1"), "other environments keep their image");
    assert_eq!(run(temp.path(), &["check"]).0, 0, "the tree is rebuilt");

    // YAML, with no environment block for the target yet: one is appended.
    let yaml = temp.path().join("services/storefront/platc.yaml");
    let before = std::fs::read_to_string(&yaml).unwrap();
    let (code, stderr) = run(temp.path(), &["set-image", "storefront", "4.2.0", "--env", "staging"]);
    assert_eq!(code, 0, "{stderr}");
    let after = std::fs::read_to_string(&yaml).unwrap();
    let added: Vec<&str> = after.lines().filter(|line| !before.lines().any(|old| old == *line)).collect();
    assert_eq!(added, ["      image: storefront:4.2.0"]);
    assert_eq!(run(temp.path(), &["check"]).0, 0);
}

#[test]
fn set_image_refuses_unknown_services_environments_and_bad_tags() {
    let temp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("minimal"), temp.path());
    let spec = temp.path().join("platc.kdl");
    let before = std::fs::read_to_string(&spec).unwrap();
    let (code, stderr) = run(temp.path(), &["set-image", "helo", "1.0.0", "--env", "staging"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no service is named `helo` did you mean `hello`?"), "{stderr}");
    assert_eq!(run(temp.path(), &["set-image", "hello", "1.0.0", "--env", "qa"]).0, 2);
    assert_eq!(run(temp.path(), &["set-image", "hello", "bad tag", "--env", "staging"]).0, 2);
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), before, "nothing was written");
}
