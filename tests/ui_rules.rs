//! Answer rules in the real interface: the header counts them and `?` lists each one's name
//! and query, as read from a real config file.

mod ui_support;

use std::sync::Arc;

use hookscope::cli::ListenArgs;
use hookscope::config::ListenConfig;
use hookscope::store::Store;
use ui_support::*;

#[tokio::test]
async fn the_header_counts_the_rules_and_help_lists_them() {
    let path = std::env::temp_dir().join(format!("hookscope-ui-rules-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        "[[answer]]\nname = \"prismatic malformed\"\nwhen = \"path:/prismatic/* body:malformed_json\"\n\
         status = 400\n\n[[answer]]\nwhen = \"provider:video\"\nforward_to = \"http://127.0.0.1:4000\"\n",
    )
    .unwrap();
    let args = ListenArgs {
        config: Some(path.clone()),
        ..ListenArgs::default()
    };
    let (config, _) = ListenConfig::resolve(&args, |_| None).unwrap();
    std::fs::remove_file(&path).unwrap();
    let policy = Arc::new(hookscope::answer::AnswerPolicy::new(config.answer.clone()));
    let links = hookscope::ui::app::Links {
        policy: Some(policy),
        ..Default::default()
    };
    let store = Arc::new(Store::new(config.limits));
    let mut screen = Screen::new(store, live_source(), 120, 40).with_links(links);
    screen.send(vec![]).await;
    let header = screen.text().lines().next().unwrap().to_owned();
    assert!(header.contains("→ answer 200, rules 2 │"), "{header}");

    screen.send(keys("?")).await;
    // The rules are listed at the end of the help: scroll to it.
    screen.send(keys("G")).await;
    let text = screen.text();
    assert!(
        text.contains("Answer rules (first match wins; m overrides them)"),
        "{text}"
    );
    assert!(
        text.contains("  prismatic ma… path:/prismatic/* body:malformed_json"),
        "{text}"
    );
    assert!(text.contains("  rule 2        provider:video"), "{text}");
}
